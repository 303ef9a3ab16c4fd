"""The recruiter's inbox: a report ready, an interview failed or unreachable and a candidate's answer
to the consent request each put a line in it for the right person; the header counts the unread;
opening one marks it read and goes to its page; nobody reads another user's or company's."""

from datetime import datetime
from datetime import timezone as dt_timezone

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import AuditLog
from aihm.tenancy import tenant_context
from consent import services as consent_services
from consent.models import RetentionPolicy
from interviews import notifications
from interviews.models import InterviewAnalysis, InterviewState
from recruiting import inbox
from recruiting.models import Candidate, Notification, NotificationKind
from recruiting.services import erase_candidate
from tests import factories
from tests.interviews_support import finished_interview
from tests.test_consent_pages import answer, make_candidate, send_request, through_links

K = NotificationKind


def browser(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def notes_of(user):
    with tenant_context(user.tenant_id):
        return list(Notification.objects.filter(user=user).order_by("created_at"))


def a_note(user, kind=K.REPORT_READY, **fields):
    with tenant_context(user.tenant_id):
        candidate = fields.pop("candidate", None) or factories.CandidateFactory(position=factories.PositionFactory(owner=user))
        return inbox.notify(user=user, kind=kind, candidate=candidate, link=fields.pop("link", "/candidates/"), **fields)


@pytest.mark.django_db
def test_a_report_ready_is_in_the_schedulers_inbox_with_its_link(tenant_a, recruiter_a, settings, mailoutbox):
    settings.ANTHROPIC_API_KEY = ""
    interview = finished_interview(tenant_a, recruiter_a)
    with tenant_context(tenant_a.pk):
        interview.created_by = recruiter_a
        interview.save(update_fields=["created_by"])
        analysis = InterviewAnalysis.objects.get(interview=interview)
        assert notifications.report_ready(analysis.pk) is True  # what the pipeline calls once the analysis is done
    assert len(mailoutbox) == 1, "and the email, as before"

    [note] = notes_of(recruiter_a)
    assert (note.kind, note.link, note.candidate_id, note.read_at) == (
        K.REPORT_READY, reverse("interviews:report", args=[interview.pk]), interview.candidate_id, None)


@pytest.mark.django_db
@pytest.mark.parametrize(("state", "kind"), [(InterviewState.FAILED, K.INTERVIEW_FAILED), (InterviewState.UNREACHABLE, K.INTERVIEW_UNREACHABLE)])
def test_a_failed_or_unreachable_interview_says_so_with_its_reason(tenant_a, recruiter_a, state, kind):
    with tenant_context(tenant_a.pk):
        interview = factories.InterviewFactory(created_by=recruiter_a, state=state)
        notifications.interview_failed(interview.pk, "No answer after 3 attempts.")
    [note] = notes_of(recruiter_a)
    assert (note.kind, note.detail, note.link) == (kind, "No answer after 3 attempts.", reverse("interviews:detail", args=[interview.pk]))
    with tenant_context(tenant_a.pk):
        text = inbox.message(Notification.objects.select_related("candidate").get(pk=note.pk))
    assert interview.candidate.full_name in text


@pytest.mark.django_db
def test_nobody_to_tell_puts_nothing_in_an_inbox(tenant_a, recruiter_a):
    with tenant_context(tenant_a.pk):
        interview = factories.InterviewFactory(created_by=None, state=InterviewState.FAILED)
        notifications.interview_failed(interview.pk, "Line busy.")
        recruiter_a.is_active = False
        assert inbox.notify(user=recruiter_a, kind=K.REPORT_READY, candidate=interview.candidate, link="/") is None
    with tenant_context(tenant_a.pk):
        assert not Notification.objects.exists()


@through_links
@pytest.mark.parametrize(("action", "kind"), [("accept", K.CONSENT_GRANTED), ("decline", K.CONSENT_DECLINED)])
def test_a_candidates_answer_on_the_consent_page_reaches_the_recruiter_who_asked(tenant_a, recruiter_a, admin_a, mailoutbox, action, kind):
    candidate = make_candidate(tenant_a, admin_a)  # the position is the admin's; the recruiter asked
    token = send_request(tenant_a, recruiter_a, candidate, mailoutbox)
    answer(Client(), token, action)

    [note] = notes_of(recruiter_a)
    assert (note.kind, note.candidate_id, note.link) == (kind, candidate.pk, reverse("recruiting:candidate_detail", args=[candidate.pk]))
    assert notes_of(admin_a) == []


@pytest.mark.django_db
def test_the_header_counts_the_unread_and_the_inbox_lists_them(recruiter_a):
    a_note(recruiter_a, K.REPORT_READY)
    a_note(recruiter_a, K.CONSENT_DECLINED)
    client = browser(recruiter_a)

    body = client.get(reverse("recruiting:position_list")).content.decode()
    assert 'class="nav-inbox-count"' in body and ">2<" in body
    page = client.get(reverse("recruiting:notifications")).content.decode()
    assert page.count('class="inbox-item is-unread"') == 2
    assert "is ready." in page and "declined the screening call." in page
    assert "Mark all as read" in page


@pytest.mark.django_db
def test_opening_a_notification_marks_it_read_and_goes_to_its_page(recruiter_a):
    note = a_note(recruiter_a, link="/candidates/")
    other = a_note(recruiter_a)
    client = browser(recruiter_a)
    url = reverse("recruiting:notification_open", args=[note.pk])

    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == "/candidates/"
    read = {n.pk: n.read_at for n in notes_of(recruiter_a)}
    assert read[note.pk] is not None and read[other.pk] is None
    unread_page = client.get(reverse("recruiting:notifications") + "?show=unread").content.decode()
    assert unread_page.count('class="inbox-item is-unread"') == 1 and str(note.pk) not in unread_page


@pytest.mark.django_db
def test_a_notification_never_sends_its_reader_off_the_site(recruiter_a):
    note = a_note(recruiter_a, link="//evil.example/phish")
    response = browser(recruiter_a).post(reverse("recruiting:notification_open", args=[note.pk]))
    assert response["Location"] == reverse("recruiting:notifications")


@pytest.mark.django_db
def test_mark_all_as_read_empties_the_unread_list(recruiter_a):
    for _ in range(3):
        a_note(recruiter_a)
    client = browser(recruiter_a)
    response = client.post(reverse("recruiting:notifications_read"), follow=True)
    assert "3 notifications marked as read." in response.content.decode()
    assert all(note.read_at for note in notes_of(recruiter_a))
    page = client.get(reverse("recruiting:notifications") + "?show=unread").content.decode()
    assert "Nothing unread" in page and 'class="nav-inbox-count"' not in page


@pytest.mark.django_db
def test_the_empty_inbox_says_what_will_come(recruiter_a):
    page = browser(recruiter_a).get(reverse("recruiting:notifications")).content.decode()
    assert "No notifications yet" in page and "Mark all as read" not in page


@pytest.mark.django_db
def test_nobody_reads_or_opens_another_users_or_companys_notifications(recruiter_a, viewer_a, admin_b):
    mine = a_note(recruiter_a)
    for reader in (viewer_a, admin_b):
        client = browser(reader)
        assert str(mine.pk) not in client.get(reverse("recruiting:notifications")).content.decode()
        assert client.post(reverse("recruiting:notification_open", args=[mine.pk])).status_code == 404
        client.post(reverse("recruiting:notifications_read"))
    assert notes_of(recruiter_a)[0].read_at is None


@pytest.mark.django_db
def test_an_erased_candidate_leaves_no_notification(tenant_a, recruiter_a):
    note = a_note(recruiter_a)
    with tenant_context(tenant_a.pk):
        erase_candidate(by=recruiter_a, candidate=Candidate.objects.get(pk=note.candidate_id))
        assert not Notification.objects.exists()


@pytest.mark.django_db
def test_the_retention_run_deletes_notifications_as_old_as_the_reports_they_announce(tenant_a, recruiter_a, admin_b):
    with time_machine.travel(datetime(2026, 1, 10, 9, 0, tzinfo=dt_timezone.utc), tick=False):
        old = a_note(recruiter_a)
        elsewhere = a_note(admin_b)  # another company, whose own run has not come
    with time_machine.travel(datetime(2026, 6, 1, 9, 0, tzinfo=dt_timezone.utc), tick=False):
        recent = a_note(recruiter_a, kind=K.CONSENT_GRANTED, candidate=old.candidate)
    with time_machine.travel(datetime(2027, 2, 1, 3, 0, tzinfo=dt_timezone.utc), tick=False), tenant_context(tenant_a.pk):
        policy = RetentionPolicy.objects.create(reports_months=12, other_data_months=120)
        counts = consent_services.apply_retention()
        entry = AuditLog.objects.get(action="retention.applied")
        assert list(Notification.objects.values_list("pk", flat=True)) == [recent.pk]
        assert Candidate.objects.filter(pk=old.candidate_id).exists()  # the candidate stays, the line goes
    assert counts["notifications_deleted"] == 1 and entry.details["notifications_deleted"] == 1 and policy.pk
    assert [note.pk for note in notes_of(admin_b)] == [elsewhere.pk]


@pytest.mark.django_db
def test_the_inbox_reads_in_french(recruiter_a):
    a_note(recruiter_a, K.INTERVIEW_UNREACHABLE)
    page = browser(recruiter_a, "fr").get(reverse("recruiting:notifications"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "n’a pas pu être joint par téléphone." in page and "Tout marquer comme lu" in page
