"""The candidates' consent pages (French, English, Arabic right to left), the emails that lead
to them, and the recruiters' consent actions on the dashboard."""

import html.parser
import io
import re
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog
from aihm.tenancy import tenant_context
from consent import services
from consent.models import ConsentRecord, ConsentStatus, Decision, RetentionPolicy
from consent.selectors import consent_panel, consent_status
from recruiting.models import Candidate, PipelineStatus
from tests import factories

through_links = pytest.mark.django_db(transaction=True, databases=["default", "privileged"])


def token_in(message):
    return re.search(r"/consent/([A-Za-z0-9_-]{40,})/", message.body).group(1)


def links_in(text):
    return re.findall(r"https?://[^\s\"<>]+", text)


def local(url):
    """The path of an absolute link built from FRONTEND_URL, to follow it with the test client."""
    assert url.startswith(settings.FRONTEND_URL)
    return url[len(settings.FRONTEND_URL):]


def make_candidate(tenant, owner, *, language="fr", email="zineb@example.test", title="Développeur Python"):
    with tenant_context(tenant.pk):
        position = factories.PositionFactory(owner=owner, title=title, language=language)
        return factories.CandidateFactory(position=position, full_name="Zineb El Amrani", email=email)


def send_request(tenant, by, candidate, mailoutbox):
    with tenant_context(tenant.pk):
        services.request_consent(candidate=candidate, by=by)
    return token_in(mailoutbox[-1])


@pytest.fixture
def candidate(tenant_a, recruiter_a):
    return make_candidate(tenant_a, recruiter_a)


@pytest.fixture
def token(tenant_a, recruiter_a, candidate, mailoutbox):
    return send_request(tenant_a, recruiter_a, candidate, mailoutbox)


def page(client, token, suffix="", **params):
    """Open an emailed link as a browser does: the token goes to the session, and the page is
    served from the token-less URL it redirects to."""
    return client.get(f"/consent/{token}/{suffix}", params, follow=True)


def text_of(response):
    """What a reader sees: the page without its tags."""
    return re.sub(r"<[^>]+>", "", response.content.decode())


def form_action(body, action):
    return re.search(rf'<form method="post" action="(/consent/[^"/]+/{action}/)"', body).group(1)


def answer(client, token, action, *, lang="fr", **request_extra):
    """Answer as the candidate does: open the link, then post the page's form with the notice's hash."""
    body = page(client, token, lang=lang).content.decode()
    shown = re.search(r'name="notice_hash" value="([0-9a-f]{64})"', body).group(1)
    return client.post(form_action(body, action), {"lang": lang, "notice_hash": shown}, **request_extra)


# --- The page ------------------------------------------------------------------------------------


@through_links
def test_the_page_is_in_the_positions_language_and_says_everything_the_candidate_must_know(client, token):
    response = page(client, token)
    body, text = response.content.decode(), text_of(response)
    assert response.status_code == 200 and response["Content-Language"] == "fr"
    assert '<html lang="fr" dir="ltr">' in body
    for expected in (
        "Acme", "Développeur Python", "Zineb El Amrani",
        "assistant IA", "L’appel est enregistré et vos réponses sont transcrites",
        "Chaque décision est prise par une personne",
        "supprimé au bout de 183 jours", "24 mois après la dernière activité",
        "retirer votre consentement à tout moment", "rita@acme.test",
        "J’accepte d’être appelé", "Je ne souhaite pas être appelé",
        "entre 09:00 et 19:00", "lundi, mardi, mercredi, jeudi, vendredi, samedi.",
    ):
        assert expected in text, expected
    for cover in ("ai_call", "recording", "transcription", "ai_analysis"):
        assert f'data-cover="{cover}"' in body
    assert 'data-cover="transfer_abroad"' not in body
    assert response["Cache-Control"].startswith("max-age=0")


@through_links
def test_the_page_lists_the_transfer_abroad_when_production_providers_are_on(client, token, settings):
    settings.TWILIO_ACCOUNT_SID = "AC123"
    assert 'data-cover="transfer_abroad"' in page(client, token).content.decode()


@through_links
def test_the_page_shows_the_companys_retention_periods(tenant_a, client, token):
    with tenant_context(tenant_a.pk):
        RetentionPolicy(recordings_days=30, reports_months=9, other_data_months=6).save()
    body = page(client, token, lang="en").content.decode()
    assert "deleted after 30 days" in body and "erased 6 months after the last activity" in body
    assert "transcript of your answers and their analysis are deleted 9 months after the call" in body
    french = page(client, token, lang="fr").content.decode()
    assert "supprimées 9 mois après l’appel" in french and "effacées 6 mois après" in french


@through_links
def test_arabic_is_right_to_left_and_the_switch_puts_the_positions_language_first(client, token):
    arabic = page(client, token, lang="ar")
    body = arabic.content.decode()
    assert '<html lang="ar" dir="rtl">' in body and arabic["Content-Language"] == "ar"
    assert "أوافق على تلقي المكالمة" in body and "لا أرغب في تلقي المكالمة" in body
    switch = re.findall(r'<a href="[^"]+\?lang=(\w\w)" lang="\w\w"', body)
    assert switch == ["fr", "en", "ar"]
    english = page(client, token, lang="en").content.decode()
    assert '<html lang="en" dir="ltr">' in english and "I agree to be called" in english


@through_links
def test_a_position_in_arabic_opens_in_arabic(tenant_a, recruiter_a, client, mailoutbox):
    candidate = make_candidate(tenant_a, recruiter_a, language="ar", email="amal@example.test")
    token = send_request(tenant_a, recruiter_a, candidate, mailoutbox)
    body = page(client, token).content.decode()
    assert '<html lang="ar" dir="rtl">' in body
    assert re.findall(r'\?lang=(\w\w)" lang=', body) == ["ar", "fr", "en"]


@through_links
def test_the_pages_have_no_inline_script_or_style(client, token):
    for response in (page(client, token), page(client, token, lang="ar"), page(client, "nonsense-token-value-000000")):
        body = response.content.decode()
        assert "<script" not in body and "style=" not in body and "<style" not in body
        assert "script-src 'self'" in response["Content-Security-Policy"]


@through_links
def test_accepting_on_the_page_then_choosing_call_times(tenant_a, client, token, candidate):
    response = answer(client, token, "accept", HTTP_USER_AGENT="Firefox/140", REMOTE_ADDR="203.0.113.4")
    body = response.content.decode()
    assert response.status_code == 200 and 'data-outcome="granted"' in body
    assert 'value="0-09:00-12:00"' in body and 'value="5-16:00-19:00"' in body and 'value="6-' not in body
    assert re.search(r'href="/consent/[0-9a-f]{12}/withdraw/\?lang=fr"', body) and token not in body
    with tenant_context(tenant_a.pk):
        record = ConsentRecord.objects.get()
        assert (record.decision, record.ip, record.user_agent) == (Decision.GRANTED, "203.0.113.4", "Firefox/140")
    times_url = form_action(body, "times")
    saved = client.post(times_url, {"lang": "fr", "preferred_times": ["1-09:00-12:00", "3-12:00-16:00"]})
    assert saved.status_code == 200 and "Vos horaires d’appel préférés sont enregistrés." in saved.content.decode()
    assert 'value="1-09:00-12:00" id="t-1-09:00-12:00" checked' in saved.content.decode()
    with tenant_context(tenant_a.pk):
        assert Candidate.objects.get(pk=candidate.pk).call_time_preference.windows == [
            {"weekday": 1, "start": "09:00", "end": "12:00"}, {"weekday": 3, "start": "12:00", "end": "16:00"},
        ]
    refused = client.post(times_url, {"lang": "fr", "preferred_times": ["6-09:00-12:00"]})
    assert refused.status_code == 400 and "Aucun appel n’est passé ce jour-là." in refused.content.decode()


@through_links
def test_the_notice_hash_of_the_page_is_the_one_recorded(tenant_a, client, token):
    body = page(client, token, lang="en").content.decode()
    shown_hash = re.search(r'name="notice_hash" value="([0-9a-f]{64})"', body).group(1)
    client.post(form_action(body, "accept"), {"lang": "en", "notice_hash": shown_hash})
    with tenant_context(tenant_a.pk):
        assert ConsentRecord.objects.get().text_hash == shown_hash


@through_links
def test_a_notice_that_changed_while_read_is_shown_again(tenant_a, client, token):
    response = client.post(f"/consent/{token}/accept/", {"lang": "en", "notice_hash": "0" * 64})
    assert response.status_code == 409 and "has just changed" in response.content.decode()
    with tenant_context(tenant_a.pk):
        assert not ConsentRecord.objects.exists()


@through_links
def test_declining_in_arabic(tenant_a, client, token, candidate):
    response = client.post(f"/consent/{token}/decline/", {"lang": "ar"})
    body = response.content.decode()
    assert response.status_code == 200 and 'dir="rtl"' in body and 'data-outcome="declined"' in body
    assert "لن يتم الاتصال بك" in body
    with tenant_context(tenant_a.pk):
        assert consent_status(candidate) == ConsentStatus.DECLINED
        assert ConsentRecord.objects.get().language == "ar"


@through_links
def test_withdrawing_on_the_page(tenant_a, client, token, candidate):
    answer(client, token, "accept")
    confirm = page(client, token, "withdraw/", lang="en")
    assert confirm.status_code == 200 and 'data-action="withdraw"' in confirm.content.decode()
    done = client.post(form_action(confirm.content.decode(), "withdraw"), {"lang": "en"})
    assert 'data-outcome="withdrawn"' in done.content.decode()
    with tenant_context(tenant_a.pk):
        assert consent_status(candidate) == ConsentStatus.WITHDRAWN
    again = page(client, token, "withdraw/", lang="en").content.decode()
    assert "There is no consent to withdraw" in again and 'data-action="withdraw"' not in again


@through_links
def test_the_withdraw_link_of_a_pending_request_offers_the_consent_page(client, token):
    body = page(client, token, "withdraw/", lang="en").content.decode()
    assert "You have not agreed to a call" in body and re.search(r'href="/consent/[0-9a-f]{12}/\?lang=en"', body)


INVALID_TITLE = "This link is not valid"


@through_links
def test_every_unusable_link_shows_the_same_page(tenant_a, client, token):
    unknown = page(client, "x" * 43, lang="en")
    tampered = page(client, token[:-2] + "zz", lang="en")
    post_unknown = client.post("/consent/" + "y" * 43 + "/accept/", {"lang": "en"})
    lost_session = Client().get(page(client, token, lang="en").redirect_chain[-1][0])
    accepted = answer(client, token, "accept", lang="en")
    assert accepted.status_code == 200
    reused = client.post(f"/consent/{token}/accept/", {"lang": "en", "notice_hash": "0" * 64})
    responses = [unknown, tampered, post_unknown, lost_session, reused]
    assert {r.status_code for r in responses} == {404}
    assert len({r.content for r in responses}) == 1
    assert INVALID_TITLE in unknown.content.decode()
    with tenant_context(tenant_a.pk):
        assert ConsentRecord.objects.count() == 1


@through_links
def test_an_expired_link_shows_the_same_page(client, token):
    fresh_unknown = page(client, "q" * 43, lang="fr")
    with time_machine.travel(timezone.now() + timedelta(days=14, minutes=1)):
        expired = page(client, token, lang="fr")
        expired_post = client.post(f"/consent/{token}/accept/", {"lang": "fr", "notice_hash": "0" * 64})
    assert expired.status_code == expired_post.status_code == 404
    assert expired.content == expired_post.content == fresh_unknown.content


@through_links
def test_odd_tokens_never_cause_a_server_error(client):
    for token in ("%00", "a" * 500, "é" * 50, "..", "x.y", "<script>"):
        response = client.get(f"/consent/{token}/")
        assert response.status_code == 404, token


@through_links
def test_the_public_pages_are_rate_limited_per_ip(client, token, settings):
    settings.CONSENT_PAGE_RATE = "3/min"
    statuses = [client.get(f"/consent/{token}/").status_code for _ in range(3)]
    blocked = client.post(f"/consent/{token}/accept/", {"lang": "fr"})
    assert statuses == [302, 302, 302] and blocked.status_code == 429 and blocked["Retry-After"] == "60"
    assert Client(REMOTE_ADDR="198.51.100.99").get(f"/consent/{token}/", follow=True).status_code == 200


# --- Emails ------------------------------------------------------------------------------------


@through_links
def test_the_request_email_is_html_and_text_in_the_positions_language_with_working_links(client, token, mailoutbox):
    message = mailoutbox[-1]
    assert message.to == ["zineb@example.test"]
    assert message.subject == "Acme vous demande votre consentement pour un appel de présélection"
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and 'lang="fr"' in html
    assert "Bonjour Zineb El Amrani," in message.body and "assistant IA" in message.body
    text_links, html_links = links_in(message.body), links_in(html)
    consent_url = next(url for url in text_links if url.endswith(f"/consent/{token}/"))
    withdraw_url = next(url for url in text_links if url.endswith(f"/consent/{token}/withdraw/"))
    assert consent_url in html_links and withdraw_url in html_links
    assert client.get(local(consent_url), follow=True).status_code == 200
    assert client.get(local(withdraw_url), follow=True).status_code == 200


@through_links
def test_an_arabic_position_gets_an_arabic_right_to_left_email(tenant_a, recruiter_a, client, mailoutbox):
    candidate = make_candidate(tenant_a, recruiter_a, language="ar", email="amal@example.test")
    token = send_request(tenant_a, recruiter_a, candidate, mailoutbox)
    message = mailoutbox[-1]
    html = message.alternatives[0][0]
    assert message.subject == "تطلب Acme موافقتك على مكالمة فرز أولي"
    assert 'lang="ar" dir="rtl"' in html and "مرحبًا Zineb El Amrani،" in message.body
    response = client.get(local(next(url for url in links_in(message.body) if url.endswith(f"/consent/{token}/"))), follow=True)
    assert 'dir="rtl"' in response.content.decode()


@through_links
def test_accepting_sends_a_confirmation_with_the_withdraw_link_once(client, token, mailoutbox):
    body = page(client, token, lang="en").content.decode()
    mailoutbox.clear()
    client.post(form_action(body, "accept"), {"lang": "en", "notice_hash": re.search(r'name="notice_hash" value="(\w+)"', body).group(1)})
    assert len(mailoutbox) == 1
    confirmation = mailoutbox[0]
    assert confirmation.subject == "Votre consentement à un appel de présélection de Acme"
    withdraw_url = next(url for url in links_in(confirmation.body) if url.endswith("/withdraw/"))
    assert withdraw_url in links_in(confirmation.alternatives[0][0])
    assert 'data-action="withdraw"' in client.get(local(withdraw_url), follow=True).content.decode()


# --- Dashboard -----------------------------------------------------------------------------------


@pytest.fixture
def rita(client, recruiter_a):
    client.force_login(recruiter_a)
    return client


def test_a_recruiter_sends_the_request_from_the_dashboard(tenant_a, rita, candidate, mailoutbox):
    response = rita.post(reverse("consent:send_request", args=[candidate.pk]), {"next": "/somewhere/"})
    assert response.status_code == 302 and response["Location"] == "/somewhere/"
    assert len(mailoutbox) == 1
    with tenant_context(tenant_a.pk):
        assert Candidate.objects.get(pk=candidate.pk).status == PipelineStatus.CONSENT_PENDING
        assert AuditLog.objects.filter(action="consent.requested").exists()


def test_an_unsafe_next_goes_back_to_the_positions_consent_list(rita, candidate):
    response = rita.post(reverse("consent:send_request", args=[candidate.pk]), {"next": "https://evil.test/"})
    assert response["Location"] == reverse("consent:position_overview", args=[candidate.position_id])


def test_a_recruiter_records_a_consent_with_a_note(tenant_a, rita, candidate, recruiter_a):
    refused = rita.post(reverse("consent:record", args=[candidate.pk]), {"note": ""})
    assert refused.status_code == 302
    with tenant_context(tenant_a.pk):
        assert not ConsentRecord.objects.exists()
    rita.post(reverse("consent:record", args=[candidate.pk]), {"note": "By phone on 3 May"})
    rita.post(reverse("consent:withdraw_for_candidate", args=[candidate.pk]), {"note": "Asked by email"})
    with tenant_context(tenant_a.pk):
        assert [(r.decision, r.recorded_by_id, r.note) for r in ConsentRecord.objects.order_by("id")] == [
            (Decision.GRANTED, recruiter_a.pk, "By phone on 3 May"), (Decision.WITHDRAWN, recruiter_a.pk, "Asked by email"),
        ]


@pytest.mark.parametrize("name, method", [
    ("consent:send_request", "post"), ("consent:record", "post"), ("consent:withdraw_for_candidate", "post"), ("consent:export", "get"),
])
def test_viewers_get_403_and_other_companies_404_on_the_consent_actions(client, viewer_a, admin_b, candidate, name, method):
    url = reverse(name, args=[candidate.pk])
    client.force_login(viewer_a)
    assert getattr(client, method)(url, {"note": "x"}).status_code == 403
    client.force_login(admin_b)
    assert getattr(client, method)(url, {"note": "x"}).status_code == 404


def test_the_export_download_is_a_zip_with_the_candidates_data(rita, candidate):
    response = rita.get(reverse("consent:export", args=[candidate.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert f'filename="candidate-{candidate.pk}.zip"' in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert "data.json" in archive.namelist()


def test_the_candidate_panel_shows_the_state_records_and_allowed_actions(tenant_a, recruiter_a, viewer_a, candidate, rf):
    with tenant_context(tenant_a.pk):
        services.record_recruiter_consent(candidate=candidate, by=recruiter_a, note="By phone on 3 May")
        request = rf.get("/candidates/x/")
        request.user = recruiter_a
        html = render_to_string("consent/_candidate_panel.html", consent_panel(candidate, recruiter_a), request=request)
        request.user = viewer_a
        viewer_html = render_to_string("consent/_candidate_panel.html", consent_panel(candidate, viewer_a), request=request)
    assert 'data-consent-status="granted"' in html and "By phone on 3 May" in html
    assert reverse("consent:withdraw_for_candidate", args=[candidate.pk]) in html
    assert reverse("consent:send_request", args=[candidate.pk]) not in html
    assert "By phone on 3 May" in viewer_html and "<form" not in viewer_html and "export" not in viewer_html


def test_the_position_page_shows_where_each_candidate_stands(tenant_a, recruiter_a, rita, candidate, mailoutbox):
    with tenant_context(tenant_a.pk):
        other = factories.CandidateFactory(position=candidate.position, full_name="Omar Declined")
        ConsentRecord(candidate=other, candidate_ref=other.pk, decision=Decision.DECLINED, channel="web", covers=[],
                      text_version="1", text_hash="0" * 64, language="fr").save()
        services.request_consent(candidate=candidate, by=recruiter_a)
    body = rita.get(reverse("consent:position_overview", args=[candidate.position_id])).content.decode()
    assert re.search(r'Zineb El Amrani.*?data-consent-status="pending"', body, re.S)
    assert re.search(r'Omar Declined.*?data-consent-status="declined"', body, re.S)


def test_only_admins_change_the_retention_periods(tenant_a, client, admin_a, recruiter_a):
    url = reverse("consent:retention")
    client.force_login(recruiter_a)
    assert client.get(url).status_code == 403
    client.force_login(admin_a)
    assert client.get(url).status_code == 200
    assert client.post(url, {"recordings_days": 0, "reports_months": 12, "other_data_months": 12}).status_code == 200
    assert client.post(url, {"recordings_days": 30, "reports_months": 121, "other_data_months": 12}).status_code == 200
    response = client.post(url, {"recordings_days": 30, "reports_months": 6, "other_data_months": 12})
    assert response.status_code == 302
    with tenant_context(tenant_a.pk):
        policy = RetentionPolicy.objects.get()
        assert (policy.recordings_days, policy.reports_months, policy.other_data_months, policy.updated_by_id) == (30, 6, 12, admin_a.pk)
        assert AuditLog.objects.filter(action="retention.updated", actor_id=admin_a.pk).exists()


# --- Staff admin ---------------------------------------------------------------------------------


@through_links
def test_staff_see_consent_records_of_every_company_without_personal_fields(client, staff_user, tenant_a, recruiter_a, candidate):
    with tenant_context(tenant_a.pk):
        record = services.record_recruiter_consent(candidate=candidate, by=recruiter_a, note="Secret note about Zineb")
    client.force_login(staff_user, backend="accounts.backends.EmailBackend")
    for name in ("consentrecord", "consentrequest", "retentionpolicy"):
        assert client.get(reverse(f"admin:consent_{name}_changelist")).status_code == 200
    detail = client.get(reverse("admin:consent_consentrecord_change", args=[record.pk]))
    assert detail.status_code == 200 and "Secret note" not in detail.content.decode()


# --- The link's secret stays out of URLs, Referers and logs ------------------------------------


@through_links
def test_opening_an_emailed_link_moves_its_token_into_the_session(client, token):
    opened = client.get(f"/consent/{token}/withdraw/", {"lang": "en"})
    assert opened.status_code == 302 and token not in opened["Location"]
    assert re.fullmatch(r"/consent/[0-9a-f]{12}/withdraw/\?lang=en", opened["Location"])
    assert opened["Referrer-Policy"] == "strict-origin" and opened["Cache-Control"].startswith("max-age=0")
    served = client.get(opened["Location"])
    assert served.status_code == 200 and served["Referrer-Policy"] == "strict-origin"
    assert token not in served.content.decode()
    assert Client().get(opened["Location"]).status_code == 404  # the key is worthless without the session


@through_links
def test_the_page_works_after_the_redirect_accept_decline_withdraw(tenant_a, recruiter_a, client, token, candidate, mailoutbox):
    shown = page(client, token, lang="en")
    forms = re.findall(r'<form method="post" action="([^"]+)"', shown.content.decode())
    assert forms and all(re.fullmatch(r"/consent/[0-9a-f]{12}/\w+/", action) for action in forms)
    assert answer(client, token, "accept", lang="en").status_code == 200
    withdraw = page(client, token, "withdraw/", lang="en")
    assert client.post(form_action(withdraw.content.decode(), "withdraw"), {"lang": "en"}).status_code == 200
    other = make_candidate(tenant_a, recruiter_a, email="omar@example.test", title="Data engineer")
    declined = answer(client, send_request(tenant_a, recruiter_a, other, mailoutbox), "decline", lang="en")
    assert 'data-outcome="declined"' in declined.content.decode()
    with tenant_context(tenant_a.pk):
        assert consent_status(candidate) == ConsentStatus.WITHDRAWN
        assert consent_status(other) == ConsentStatus.DECLINED


@through_links
def test_two_links_open_in_one_browser_each_answer_for_their_own_candidate(tenant_a, recruiter_a, client, token, candidate, mailoutbox):
    first = page(client, token, lang="en").content.decode()
    other = make_candidate(tenant_a, recruiter_a, email="omar@example.test")  # same company and position title
    second_token = send_request(tenant_a, recruiter_a, other, mailoutbox)
    second = page(client, second_token, lang="en").content.decode()
    assert form_action(first, "accept") != form_action(second, "accept")
    shown = re.search(r'name="notice_hash" value="(\w+)"', first).group(1)
    client.post(form_action(first, "accept"), {"lang": "en", "notice_hash": shown})
    with tenant_context(tenant_a.pk):
        assert consent_status(candidate) == ConsentStatus.GRANTED
        assert consent_status(other) == ConsentStatus.PENDING


@through_links
def test_a_missing_notice_hash_on_the_page_records_nothing(tenant_a, client, token):
    body = page(client, token, lang="en").content.decode()
    response = client.post(form_action(body, "accept"), {"lang": "en"})
    assert response.status_code == 409 and "notice_hash" in response.content.decode()
    with tenant_context(tenant_a.pk):
        assert not ConsentRecord.objects.exists()


# --- An answered link opened again --------------------------------------------------------------


@through_links
def test_an_accepted_link_opened_again_shows_the_consent_and_the_way_to_withdraw(client, token):
    answer(client, token, "accept", lang="en")
    again = Client().get(f"/consent/{token}/", {"lang": "en"}, follow=True)
    body = again.content.decode()
    assert again.status_code == 200 and 'data-outcome="granted"' in body
    assert "You have already answered" in body
    withdraw = re.search(r'href="(/consent/[0-9a-f]{12}/withdraw/\?lang=en)"', body).group(1)
    assert 'data-action="withdraw"' in again.client.get(withdraw).content.decode()


@through_links
def test_a_declined_or_withdrawn_link_opened_again_shows_that_decision(tenant_a, client, token, candidate):
    answer(client, token, "decline", lang="en")
    declined = Client().get(f"/consent/{token}/", {"lang": "en"}, follow=True)
    assert declined.status_code == 200 and 'data-outcome="declined"' in declined.content.decode()
    assert "You have already answered" in declined.content.decode()
    assert 'data-action="accept"' not in declined.content.decode()  # a "no" is changed by the recruiter's new request
    with tenant_context(tenant_a.pk):
        services.record_recruiter_consent(candidate=candidate, by=candidate.position.owner, note="By phone on 3 May")
        services.withdraw_on_behalf(candidate=candidate, by=candidate.position.owner, note="Asked by email")
    withdrawn = Client().get(f"/consent/{token}/", {"lang": "fr"}, follow=True)
    assert withdrawn.status_code == 200 and 'data-outcome="withdrawn"' in withdrawn.content.decode()


@through_links
def test_an_answered_link_is_not_valid_once_it_expires(client, token):
    answer(client, token, "accept", lang="en")
    with time_machine.travel(timezone.now() + timedelta(days=settings.CONSENT_TOKEN_DAYS, minutes=1)):
        expired = Client().get(f"/consent/{token}/", {"lang": "en"}, follow=True)
    assert expired.status_code == 404 and INVALID_TITLE in expired.content.decode()


# --- Arabic: times read left to right, the check mark is not mirrored -----------------------------


class _TextOutsideIsolates(html.parser.HTMLParser):
    """The page's text that is not inside a <bdi dir="ltr">."""

    def __init__(self):
        super().__init__()
        self.depth, self.text = 0, []

    def handle_starttag(self, tag, attrs):
        if tag == "bdi" and ("dir", "ltr") in attrs:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag == "bdi" and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.text.append(data)


def times_outside_isolates(body):
    parser = _TextOutsideIsolates()
    parser.feed(body)
    return re.findall(r"\d\d:\d\d", "".join(parser.text))


@through_links
def test_in_arabic_every_time_and_range_is_isolated_left_to_right(client, token):
    notice = page(client, token, lang="ar").content.decode()
    accepted = answer(client, token, "accept", lang="ar").content.decode()
    assert '<bdi dir="ltr" class="time">09:00–12:00</bdi>' in accepted
    assert '<bdi dir="ltr" class="time">09:00</bdi>' in notice
    assert times_outside_isolates(notice) == [] and times_outside_isolates(accepted) == []


def test_the_check_mark_is_drawn_with_physical_sides_so_right_to_left_does_not_mirror_it():
    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_text()
    rule = re.search(r"\.empty-icon-check::after \{([^}]*)\}", css).group(1)
    assert "border-right:" in rule and "inline" not in rule


# --- Emails ------------------------------------------------------------------------------------


@through_links
def test_email_subjects_are_plain_text_not_html_escaped(tenant_a, recruiter_a, client, mailoutbox):
    tenant_a.name = "A & B"
    tenant_a.save()
    candidate = make_candidate(tenant_a, recruiter_a, email="amal@example.test")
    token = send_request(tenant_a, recruiter_a, candidate, mailoutbox)
    assert mailoutbox[-1].subject == "A & B vous demande votre consentement pour un appel de présélection"
    mailoutbox.clear()
    answer(client, token, "accept")
    assert mailoutbox[-1].subject == "Votre consentement à un appel de présélection de A & B"
    assert "A &amp; B" in mailoutbox[-1].alternatives[0][0]  # the HTML body stays escaped
