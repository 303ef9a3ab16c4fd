"""Consent: the candidate's answers through their link, recruiter-recorded consent, withdrawal,
append-only records and the one rule of the pipeline, `ensure_can_call`."""

import hashlib
import re
import secrets
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from django.utils import timezone

from accounts.models import AuditLog
from accounts.services import remove_user
from aihm.errors import Invalid, NotAllowed
from aihm.tenancy import tenant_context
from consent import services
from consent.models import (
    AppendOnly,
    Channel,
    ConsentNotice,
    ConsentRecord,
    ConsentRequest,
    ConsentStatus,
    Coverage,
    Decision,
    RequestState,
)
from consent.notice import NOTICE_VERSION
from consent.selectors import consent_status
from consent.signals import consent_withdrawn
from recruiting.models import Candidate, PipelineStatus
from tests import factories

pytestmark = pytest.mark.django_db
# The candidate's link is looked up by hash through the privileged alias, which sees committed rows only.
through_links = pytest.mark.django_db(transaction=True, databases=["default", "privileged"])


def accept_as_read(*, token, **kwargs):
    """Accept as the page does, naming the notice the candidate read (its hash)."""
    with services.opened_request(token) as consent_request:
        shown = services.notice_for(consent_request, kwargs.get("language")).text_hash if consent_request else "0" * 64
    return services.accept(token=token, notice_hash=shown, **kwargs)


def token_in(message):
    return re.search(r"/consent/([A-Za-z0-9_-]{40,})/", message.body).group(1)


@pytest.fixture
def candidate(tenant_a, recruiter_a):
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory(owner=recruiter_a, title="Développeur Python", language="fr")
        return factories.CandidateFactory(position=position, full_name="Zineb El Amrani", email="zineb@example.test")


@pytest.fixture
def requested(tenant_a, recruiter_a, candidate, mailoutbox):
    """A consent request sent by email; returns the token of its link."""
    with tenant_context(tenant_a.pk):
        services.request_consent(candidate=candidate, by=recruiter_a)
    return token_in(mailoutbox[-1])


def add_record(candidate, decision, covers=None, channel=Channel.WEB):
    """A decision written straight into the records, to set up a state."""
    record = ConsentRecord(
        candidate=candidate, candidate_ref=candidate.pk, decision=decision, channel=channel,
        covers=covers if covers is not None else ["ai_call", "recording", "transcription", "ai_analysis"],
        text_version=NOTICE_VERSION, text_hash="0" * 64, language="fr",
    )
    record.save()
    return record


def fresh(candidate):
    return Candidate.objects.get(pk=candidate.pk)


# --- The candidate's answers ---------------------------------------------------------------------


@through_links
def test_accept_records_a_grant_with_the_exact_notice_its_hash_ip_and_browser(tenant_a, candidate, requested):
    record = accept_as_read(token=requested, ip="203.0.113.7", user_agent="Firefox/140", language="fr")
    with tenant_context(tenant_a.pk):
        record = ConsentRecord.objects.get(pk=record.pk)
        notice = ConsentNotice.objects.get(text_hash=record.text_hash)
        assert (record.decision, record.channel, record.language) == (Decision.GRANTED, Channel.WEB, "fr")
        assert (record.ip, record.user_agent, record.text_version) == ("203.0.113.7", "Firefox/140", NOTICE_VERSION)
        assert record.covers == ["ai_call", "recording", "transcription", "ai_analysis"]
        assert hashlib.sha256(notice.html.encode()).hexdigest() == record.text_hash
        assert "Développeur Python" in notice.html and "Zineb" not in notice.html
        assert record.request.state == RequestState.ANSWERED
        assert fresh(candidate).status == PipelineStatus.CONSENT_GIVEN
        assert consent_status(candidate) == ConsentStatus.GRANTED
        assert services.ensure_can_call(candidate) == record
        assert AuditLog.objects.filter(action="consent.granted", target_id=str(candidate.pk)).exists()


@through_links
def test_the_notice_is_hashed_in_the_language_the_candidate_read(tenant_a, candidate, requested):
    record = accept_as_read(token=requested, language="ar")
    with tenant_context(tenant_a.pk):
        arabic = ConsentNotice.objects.get(text_hash=record.text_hash)
        assert arabic.language == "ar" and record.language == "ar"
        assert services.notice_for(record.request, "fr").text_hash != record.text_hash


@through_links
def test_a_notice_changed_since_it_was_read_is_not_accepted(tenant_a, candidate, requested):
    with pytest.raises(services.NoticeChanged):
        services.accept(token=requested, notice_hash="f" * 64)
    with tenant_context(tenant_a.pk):
        assert not ConsentRecord.objects.exists()
        assert consent_status(candidate) == ConsentStatus.PENDING


@through_links
def test_decline_is_a_decision_distinct_from_no_answer(tenant_a, candidate, requested):
    with tenant_context(tenant_a.pk):
        assert consent_status(candidate) == ConsentStatus.PENDING
    services.decline(token=requested, ip="198.51.100.2", user_agent="Safari")
    with tenant_context(tenant_a.pk):
        record = ConsentRecord.objects.get()
        assert record.decision == Decision.DECLINED
        assert consent_status(candidate) == ConsentStatus.DECLINED
        assert fresh(candidate).status == PipelineStatus.CONSENT_DECLINED
        with pytest.raises(services.ConsentMissing, match="declined"):
            services.ensure_can_call(candidate)


@through_links
def test_accepting_with_preferred_times_keeps_them_inside_calling_hours(tenant_a, candidate, requested):
    with pytest.raises(Invalid):
        accept_as_read(token=requested, preferred_times=[{"weekday": 6, "start": "10:00", "end": "12:00"}])
    with pytest.raises(Invalid):
        accept_as_read(token=requested, preferred_times=[{"weekday": 1, "start": "07:00", "end": "10:00"}])
    accept_as_read(token=requested, preferred_times=[
        {"weekday": 2, "start": "16:00", "end": "19:00"}, {"weekday": 0, "start": "09:00", "end": "12:00"},
    ])
    with tenant_context(tenant_a.pk):
        assert candidate.call_time_preference.windows == [
            {"weekday": 0, "start": "09:00", "end": "12:00"}, {"weekday": 2, "start": "16:00", "end": "19:00"},
        ]
    services.set_preferred_times(token=requested, preferred_times=[])
    with tenant_context(tenant_a.pk):
        assert Candidate.objects.get(pk=candidate.pk).call_time_preference.windows == []


@through_links
def test_withdraw_through_the_link_records_it_and_tells_the_pipeline(tenant_a, candidate, requested):
    accept_as_read(token=requested)
    received = []

    def cancel_calls(sender, candidate, record, **kwargs):
        received.append((candidate.pk, record.decision))

    consent_withdrawn.connect(cancel_calls)
    try:
        services.withdraw(token=requested, ip="203.0.113.9", user_agent="Chrome")
    finally:
        consent_withdrawn.disconnect(cancel_calls)
    assert received == [(candidate.pk, Decision.WITHDRAWN)]
    with tenant_context(tenant_a.pk):
        assert [r.decision for r in ConsentRecord.objects.order_by("id")] == [Decision.GRANTED, Decision.WITHDRAWN]
        assert consent_status(candidate) == ConsentStatus.WITHDRAWN
        assert fresh(candidate).status == PipelineStatus.CONSENT_DECLINED
        with pytest.raises(services.ConsentMissing, match="withdrew"):
            services.ensure_can_call(candidate)
    with pytest.raises(services.NothingToWithdraw):
        services.withdraw(token=requested)


@through_links
def test_an_expired_link_is_refused(tenant_a, candidate, requested):
    with time_machine.travel(timezone.now() + timedelta(days=14, seconds=1)):
        with pytest.raises(services.ConsentLinkInvalid):
            accept_as_read(token=requested)
        with pytest.raises(services.ConsentLinkInvalid):
            services.decline(token=requested)
        with tenant_context(tenant_a.pk):
            assert consent_status(candidate) == ConsentStatus.EXPIRED
            assert not ConsentRecord.objects.exists()


@through_links
def test_a_used_link_cannot_answer_again(tenant_a, candidate, requested):
    accept_as_read(token=requested)
    with pytest.raises(services.ConsentLinkInvalid):
        accept_as_read(token=requested)
    with pytest.raises(services.ConsentLinkInvalid):
        services.decline(token=requested)
    with tenant_context(tenant_a.pk):
        assert ConsentRecord.objects.count() == 1


@through_links
@pytest.mark.parametrize("tamper", [
    lambda token: secrets.token_urlsafe(32),                      # unknown
    lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # one character changed
    lambda token: token[:-3],                                     # truncated
    lambda token: token + "x",                                    # extended
    lambda token: token.upper(),
    lambda token: "é" * 43,
    lambda token: "",
])
def test_unknown_or_tampered_links_are_refused(tenant_a, candidate, requested, tamper):
    with pytest.raises(services.ConsentLinkInvalid):
        accept_as_read(token=tamper(requested))
    with tenant_context(tenant_a.pk):
        assert not ConsentRecord.objects.exists()


@through_links
def test_a_new_request_replaces_the_pending_one(tenant_a, recruiter_a, candidate, requested, mailoutbox):
    with tenant_context(tenant_a.pk):
        services.request_consent(candidate=candidate, by=recruiter_a)
    newer = token_in(mailoutbox[-1])
    with pytest.raises(services.ConsentLinkInvalid):
        accept_as_read(token=requested)
    accept_as_read(token=newer)
    with tenant_context(tenant_a.pk):
        assert sorted(ConsentRequest.objects.values_list("state", flat=True)) == [RequestState.ANSWERED, RequestState.REVOKED]


@through_links
def test_a_link_cannot_be_used_from_inside_another_company(tenant_b, candidate, requested):
    with tenant_context(tenant_b.pk):
        with pytest.raises(services.ConsentLinkInvalid):
            accept_as_read(token=requested)


# --- The recruiter's side --------------------------------------------------------------------------


def test_a_request_needs_an_email_address(tenant_a, recruiter_a, candidate):
    with tenant_context(tenant_a.pk):
        Candidate.objects.filter(pk=candidate.pk).update(email="")
        with pytest.raises(Invalid) as refused:
            services.request_consent(candidate=fresh(candidate), by=recruiter_a)
    assert refused.value.field == "email"


def test_viewers_cannot_ask_for_or_record_consent(tenant_a, viewer_a, candidate):
    with tenant_context(tenant_a.pk):
        with pytest.raises(NotAllowed):
            services.request_consent(candidate=candidate, by=viewer_a)
        with pytest.raises(NotAllowed):
            services.record_recruiter_consent(candidate=candidate, by=viewer_a, note="by phone")
        assert not ConsentRequest.objects.exists()


def test_a_recruiter_recorded_consent_needs_a_note_and_is_audited(tenant_a, recruiter_a, candidate, mailoutbox, django_capture_on_commit_callbacks):
    with tenant_context(tenant_a.pk):
        with pytest.raises(Invalid) as refused:
            services.record_recruiter_consent(candidate=candidate, by=recruiter_a, note="   ")
        assert refused.value.field == "note"
        with django_capture_on_commit_callbacks(execute=True):
            record = services.record_recruiter_consent(candidate=candidate, by=recruiter_a, note="By phone on 3 May, notice read aloud.")
        assert (record.channel, record.recorded_by, record.note) == (Channel.RECRUITER, recruiter_a, "By phone on 3 May, notice read aloud.")
        entry = AuditLog.objects.get(action="consent.recorded_by_recruiter")
        assert (entry.actor_id, entry.target_id, entry.details["record"]) == (recruiter_a.pk, str(candidate.pk), record.pk)
        assert services.ensure_can_call(candidate) == record
        with pytest.raises(services.Conflict):
            services.request_consent(candidate=candidate, by=recruiter_a)
    confirmation = mailoutbox[-1]
    assert confirmation.to == ["zineb@example.test"]
    assert "/withdraw/" in confirmation.body and "/withdraw/" in confirmation.alternatives[0][0]


def test_a_recruiter_withdraws_on_the_candidates_behalf(tenant_a, recruiter_a, candidate):
    received = []
    consent_withdrawn.connect(lambda sender, candidate, record, **kw: received.append(record.channel), weak=False, dispatch_uid="t")
    try:
        with tenant_context(tenant_a.pk):
            services.record_recruiter_consent(candidate=candidate, by=recruiter_a, note="by phone")
            with pytest.raises(Invalid):
                services.withdraw_on_behalf(candidate=candidate, by=recruiter_a, note="")
            services.withdraw_on_behalf(candidate=candidate, by=recruiter_a, note="She called back to withdraw.")
            assert consent_status(candidate) == ConsentStatus.WITHDRAWN
            assert AuditLog.objects.filter(action="consent.withdrawn", actor_id=recruiter_a.pk).exists()
            with pytest.raises(services.NothingToWithdraw):
                services.withdraw_on_behalf(candidate=candidate, by=recruiter_a, note="again")
    finally:
        consent_withdrawn.disconnect(dispatch_uid="t")
    assert received == [Channel.RECRUITER]


def test_consent_never_rewinds_a_later_pipeline_status(tenant_a, recruiter_a, candidate):
    with tenant_context(tenant_a.pk):
        Candidate.objects.filter(pk=candidate.pk).update(status=PipelineStatus.SHORTLISTED)
        candidate = fresh(candidate)
        services.record_recruiter_consent(candidate=candidate, by=recruiter_a, note="by phone")
        services.withdraw_on_behalf(candidate=candidate, by=recruiter_a, note="by email")
        assert fresh(candidate).status == PipelineStatus.SHORTLISTED


# --- The rule: no valid, unwithdrawn consent, no call ------------------------------------------------


def _not_requested(candidate, recruiter):
    pass


def _pending(candidate, recruiter):
    services.request_consent(candidate=candidate, by=recruiter)


def _expired(candidate, recruiter):
    with time_machine.travel(timezone.now() - timedelta(days=20)):
        services.request_consent(candidate=candidate, by=recruiter)


def _declined(candidate, recruiter):
    add_record(candidate, Decision.DECLINED)


def _withdrawn(candidate, recruiter):
    add_record(candidate, Decision.GRANTED)
    add_record(candidate, Decision.WITHDRAWN)


def _granted_then_declined_on_the_phone(candidate, recruiter):
    add_record(candidate, Decision.GRANTED)
    add_record(candidate, Decision.DECLINED, channel=Channel.PHONE)


def _granted_without_transfer_abroad_once_providers_are_on(candidate, recruiter, settings):
    add_record(candidate, Decision.GRANTED)
    settings.ANTHROPIC_API_KEY = "sk-test"


@pytest.mark.parametrize("make_state, message", [
    (_not_requested, "not been asked"),
    (_pending, "not answered"),
    (_expired, "expired"),
    (_declined, "declined"),
    (_withdrawn, "withdrew"),
    (_granted_then_declined_on_the_phone, "declined"),
    (_granted_without_transfer_abroad_once_providers_are_on, "does not cover"),
])
def test_ensure_can_call_refuses_every_state_but_a_valid_grant(tenant_a, recruiter_a, candidate, settings, make_state, message):
    with tenant_context(tenant_a.pk):
        if make_state is _granted_without_transfer_abroad_once_providers_are_on:
            make_state(candidate, recruiter_a, settings)
        else:
            make_state(candidate, recruiter_a)
        with pytest.raises(services.ConsentMissing, match=message) as refused:
            services.ensure_can_call(candidate)
    assert refused.value.status_code == 409


@pytest.mark.parametrize("channel", [Channel.WEB, Channel.RECRUITER, Channel.PHONE])
def test_ensure_can_call_accepts_a_valid_grant(tenant_a, candidate, channel):
    with tenant_context(tenant_a.pk):
        add_record(candidate, Decision.DECLINED)
        grant = add_record(candidate, Decision.GRANTED, channel=channel)
        assert services.ensure_can_call(candidate) == grant


def test_a_grant_covering_the_transfer_abroad_allows_calls_with_production_providers(tenant_a, candidate, settings):
    settings.TWILIO_ACCOUNT_SID = "AC123"
    with tenant_context(tenant_a.pk):
        grant = add_record(candidate, Decision.GRANTED, covers=[c.value for c in Coverage])
        assert services.ensure_can_call(candidate) == grant


def test_a_consent_recorded_with_production_providers_covers_the_transfer_abroad(tenant_a, recruiter_a, candidate, settings):
    settings.ANTHROPIC_API_KEY = "sk-test"
    with tenant_context(tenant_a.pk):
        record = services.record_recruiter_consent(candidate=candidate, by=recruiter_a, note="by phone")
        assert Coverage.TRANSFER_ABROAD in record.covers
        notice = ConsentNotice.objects.get(text_hash=record.text_hash)
        assert 'data-cover="transfer_abroad"' in notice.html


# --- Records are append-only ----------------------------------------------------------------------


def test_records_cannot_be_changed_or_deleted_through_the_orm(tenant_a, candidate):
    with tenant_context(tenant_a.pk):
        record = add_record(candidate, Decision.GRANTED)
        record.decision = Decision.DECLINED
        with pytest.raises(AppendOnly):
            record.save()
        with pytest.raises(AppendOnly):
            record.delete()
        with pytest.raises(AppendOnly):
            ConsentRecord.objects.filter(pk=record.pk).update(decision=Decision.DECLINED)
        with pytest.raises(AppendOnly):
            ConsentRecord.objects.filter(pk=record.pk).delete()
        with pytest.raises(AppendOnly):
            ConsentRecord.unscoped.filter(pk=record.pk).update(decision=Decision.DECLINED)
        with pytest.raises(AppendOnly):
            ConsentRecord.objects.filter(pk=record.pk).update(candidate=None, decision=Decision.DECLINED)
        assert ConsentRecord.objects.get(pk=record.pk).decision == Decision.GRANTED


@pytest.mark.postgres
@pytest.mark.parametrize("statement", [
    "UPDATE consent_consentrecord SET decision = 'declined'",
    "UPDATE consent_consentrecord SET created_at = now() - interval '1 year'",
    "UPDATE consent_consentrecord SET text_hash = 'forged', covers = '[]'",
    "DELETE FROM consent_consentrecord",
])
def test_the_database_refuses_to_rewrite_or_delete_records(tenant_a, candidate, statement):
    with tenant_context(tenant_a.pk):
        add_record(candidate, Decision.GRANTED)
        with pytest.raises(ProgrammingError, match="permission denied"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
        assert ConsentRecord.objects.get().decision == Decision.GRANTED


@pytest.mark.postgres
def test_the_database_allows_only_the_erasure_scrub(tenant_a, candidate):
    with tenant_context(tenant_a.pk):
        add_record(candidate, Decision.GRANTED)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE consent_consentrecord SET ip = NULL, user_agent = '', note = '', candidate_id = NULL")
            assert cursor.rowcount == 1


@pytest.mark.postgres
def test_removing_the_recruiter_who_recorded_a_consent_keeps_the_record(tenant_a, admin_a, recruiter_a, candidate):
    with tenant_context(tenant_a.pk):
        record = services.record_recruiter_consent(candidate=candidate, by=recruiter_a, note="by phone")
    with tenant_context(tenant_a.pk):
        remove_user(by=admin_a, user=recruiter_a)
        kept = ConsentRecord.objects.get(pk=record.pk)
        assert kept.recorded_by_id is None and kept.decision == Decision.GRANTED
        assert services.ensure_can_call(candidate) == kept


@through_links
def test_a_consent_without_the_hash_of_the_notice_read_is_not_recorded(tenant_a, candidate, requested):
    for missing in (None, ""):
        with pytest.raises(services.NoticeChanged) as refused:
            services.accept(token=requested, notice_hash=missing)
        assert refused.value.field == "notice_hash" and "notice_hash" in refused.value.message
    with tenant_context(tenant_a.pk):
        assert not ConsentRecord.objects.exists()
        assert consent_status(candidate) == ConsentStatus.PENDING
