"""The candidate's rights: access (export of everything held), erasure (files and consent
personal data, with the proof of decisions kept), and retention (the nightly purge)."""

import io
import json
import re
import zipfile
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db import connection

from accounts.models import AuditLog
from aihm.errors import NotAllowed
from aihm.tenancy import tenant_context
from consent import retention, services, tasks
from consent.models import CallTimePreference, ConsentLink, ConsentRecord, ConsentRequest, Decision, RetentionPolicy
from recruiting.models import Candidate
from recruiting.services import erase_candidate
from tests import cv_samples, factories
from tests.conftest import bearer_for

through_links = pytest.mark.django_db(transaction=True, databases=["default", "privileged"])
CV_BYTES = cv_samples.pdf_bytes()


def accept_as_read(*, token, **kwargs):
    """Accept as the page does, naming the notice the candidate read (its hash)."""
    with services.opened_request(token) as consent_request:
        shown = services.notice_for(consent_request, kwargs.get("language")).text_hash if consent_request else "0" * 64
    return services.accept(token=token, notice_hash=shown, **kwargs)


@pytest.fixture
def media(settings, tmp_path):
    """Files go to a fresh folder, so a test can list exactly what storage holds."""
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)},
    }}
    return tmp_path


def stored_files(root):
    return sorted(str(path.relative_to(root)) for path in Path(root).rglob("*") if path.is_file())


def candidate_with_cv(tenant, owner, **fields):
    with tenant_context(tenant.pk):
        position = fields.pop("position", None) or factories.PositionFactory(owner=owner, language="fr")
        return factories.CandidateFactory(
            position=position, cv_content_type="application/pdf", cv_filename="Zineb CV.pdf", cv_size=len(CV_BYTES),
            cv_file=ContentFile(CV_BYTES, name="cv.pdf"), **fields,
        )


def token_in(message):
    return re.search(r"/consent/([A-Za-z0-9_-]{40,})/", message.body).group(1)


# --- Access: export ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_export_holds_the_candidate_the_cv_and_every_consent_record(tenant_a, recruiter_a, media):
    candidate = candidate_with_cv(tenant_a, recruiter_a, full_name="Zineb El Amrani", email="zineb@example.test", notes="Met at a fair")
    with tenant_context(tenant_a.pk):
        services.record_recruiter_consent(candidate=candidate, by=recruiter_a, note="By phone on 3 May")
        services.withdraw_on_behalf(candidate=candidate, by=recruiter_a, note="Asked by email")
        archive = zipfile.ZipFile(services.export_candidate(by=recruiter_a, candidate=candidate))
        assert AuditLog.objects.filter(action="candidate.exported", actor_id=recruiter_a.pk, target_id=str(candidate.pk)).exists()
    assert sorted(archive.namelist()) == ["data.json", "files/cv/Zineb_CV.pdf"]
    assert archive.read("files/cv/Zineb_CV.pdf") == CV_BYTES
    data = json.loads(archive.read("data.json"))
    assert data["candidate_id"] == str(candidate.pk)
    assert (data["candidate"]["full_name"], data["candidate"]["email"], data["candidate"]["notes"]) == ("Zineb El Amrani", "zineb@example.test", "Met at a fair")
    assert [(r["decision"], r["channel"], r["note"]) for r in data["consent"]["records"]] == [
        ("granted", "recruiter", "By phone on 3 May"), ("withdrawn", "recruiter", "Asked by email"),
    ]
    assert all(len(r["text_hash"]) == 64 for r in data["consent"]["records"])
    assert data["consent"]["requests"][0]["state"] == "answered"


@pytest.mark.django_db
def test_viewers_cannot_export(tenant_a, viewer_a, recruiter_a, media):
    candidate = candidate_with_cv(tenant_a, recruiter_a)
    with tenant_context(tenant_a.pk), pytest.raises(NotAllowed):
        services.export_candidate(by=viewer_a, candidate=candidate)


@pytest.mark.django_db
def test_the_export_route_downloads_the_archive(tenant_a, admin_a, recruiter_a, media):
    candidate = candidate_with_cv(tenant_a, recruiter_a)
    response = bearer_for(admin_a).get(f"/api/v1/candidates/{candidate.pk}/export", HTTP_ACCEPT="application/zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.read("files/cv/Zineb_CV.pdf") == CV_BYTES


@pytest.mark.django_db
def test_later_apps_add_their_part_to_the_export(tenant_a, recruiter_a, media):
    from consent import rights

    def transcripts(candidate):
        return rights.ExportPart(name="interviews", data=[{"transcript": "Bonjour"}], files=[("recordings/a.wav", candidate.cv_file.name)])

    rights.register_exporter(transcripts)
    try:
        candidate = candidate_with_cv(tenant_a, recruiter_a)
        with tenant_context(tenant_a.pk):
            archive = zipfile.ZipFile(services.export_candidate(by=recruiter_a, candidate=candidate))
    finally:
        rights._exporters.remove(transcripts)
    assert json.loads(archive.read("data.json"))["interviews"] == [{"transcript": "Bonjour"}]
    assert "files/recordings/a.wav" in archive.namelist()


# --- Erasure ----------------------------------------------------------------------------------------


def consent_rows_as_text(tenant):
    """Every consent table's rows as text, as the runtime role sees them inside the tenant."""
    with tenant_context(tenant.pk), connection.cursor() as cursor:
        texts = []
        for table in ("consent_consentrecord", "consent_consentrequest", "consent_consentlink",
                      "consent_calltimepreference", "consent_consentnotice"):
            cursor.execute(f"SELECT row_to_json(t)::text FROM {table} t")
            texts.extend(row[0] for row in cursor.fetchall())
        return " ".join(texts)


@through_links
@pytest.mark.postgres
def test_erasure_removes_the_files_and_the_consent_personal_data_and_keeps_the_proof(tenant_a, recruiter_a, media, mailoutbox):
    candidate = candidate_with_cv(tenant_a, recruiter_a, full_name="Zineb El Amrani", email="zineb@example.test", phone="+212612345678")
    with tenant_context(tenant_a.pk):
        services.request_consent(candidate=candidate, by=recruiter_a)
    token = token_in(mailoutbox[-1])
    accept_as_read(token=token, ip="203.0.113.50", user_agent="Firefox/140 (Zineb's laptop)",
                   preferred_times=[{"weekday": 0, "start": "09:00", "end": "12:00"}])
    with tenant_context(tenant_a.pk):
        services.withdraw_on_behalf(candidate=candidate, by=recruiter_a, note="Zineb El Amrani asked by phone")
    before = stored_files(media)
    assert before == [candidate.cv_file.name]
    text_before = consent_rows_as_text(tenant_a)
    assert "203.0.113.50" in text_before and "Zineb El Amrani asked" in text_before

    with tenant_context(tenant_a.pk):
        erase_candidate(by=recruiter_a, candidate=Candidate.objects.get(pk=candidate.pk))

    assert stored_files(media) == []
    with tenant_context(tenant_a.pk):
        assert not Candidate.objects.filter(pk=candidate.pk).exists()
        assert not ConsentRequest.objects.exists() and not ConsentLink.objects.exists()
        assert not CallTimePreference.objects.exists()
        proof = list(ConsentRecord.objects.order_by("id"))
        assert [(r.decision, r.candidate_id, r.candidate_ref, r.ip, r.user_agent, r.note) for r in proof] == [
            (Decision.GRANTED, None, candidate.pk, None, "", ""), (Decision.WITHDRAWN, None, candidate.pk, None, "", ""),
        ]
        assert all(r.scrubbed_at is not None and len(r.text_hash) == 64 for r in proof)
    text_after = consent_rows_as_text(tenant_a)
    for personal in ("Zineb", "zineb@example.test", "+212612345678", "203.0.113.50", "Firefox"):
        assert personal not in text_after, personal
    with pytest.raises(services.ConsentLinkInvalid):
        services.withdraw(token=token)


# --- Retention --------------------------------------------------------------------------------------

NOW = datetime(2027, 6, 15, 3, 0, tzinfo=dt_timezone.utc)


def created_at(moment, tenant, owner, name, position=None):
    with time_machine.travel(moment, tick=False):
        return candidate_with_cv(tenant, owner, full_name=name, position=position)


@through_links
def test_the_nightly_purge_erases_exactly_what_is_past_each_companys_period(tenant_a, tenant_b, recruiter_a, admin_b, media):
    with tenant_context(tenant_b.pk):
        RetentionPolicy(other_data_months=12).save()
    a_old = created_at(retention.months_before(NOW, 24) - timedelta(minutes=1), tenant_a, recruiter_a, "A past 24 months")
    a_edge = created_at(retention.months_before(NOW, 24) + timedelta(minutes=1), tenant_a, recruiter_a, "A just inside 24 months", a_old.position)
    a_recent = created_at(NOW - timedelta(days=30), tenant_a, recruiter_a, "A recent", a_old.position)
    b_old = created_at(retention.months_before(NOW, 12) - timedelta(days=1), tenant_b, admin_b, "B past 12 months")
    b_kept = created_at(retention.months_before(NOW, 12) + timedelta(days=1), tenant_b, admin_b, "B inside 12 months", b_old.position)
    # Activity renews the period: a consent recorded last month keeps an old candidate.
    a_active = created_at(retention.months_before(NOW, 30), tenant_a, recruiter_a, "A old but active", a_old.position)
    with time_machine.travel(NOW - timedelta(days=31), tick=False), tenant_context(tenant_a.pk):
        services.record_recruiter_consent(candidate=a_active, by=recruiter_a, note="by phone")
    files_before = stored_files(media)

    with time_machine.travel(NOW, tick=False):
        assert tasks.apply_retention_policies() == 2
        tasks.apply_retention_policies()  # a second run finds nothing more

    with tenant_context(tenant_a.pk):
        assert set(Candidate.objects.values_list("full_name", flat=True)) == {"A just inside 24 months", "A recent", "A old but active"}
        runs = list(AuditLog.objects.filter(action="retention.applied"))
        assert [run.details["candidates_erased"] for run in runs] == [1], "the second run erased nothing: no line"
        assert {run.details["other_data_months"] for run in runs} == {24} and {run.actor_id for run in runs} == {None}
        assert AuditLog.objects.filter(action="candidate.erased", actor__isnull=True, target_id=str(a_old.pk)).exists()
    with tenant_context(tenant_b.pk):
        assert list(Candidate.objects.values_list("full_name", flat=True)) == ["B inside 12 months"]
        assert [run.details["candidates_erased"] for run in AuditLog.objects.filter(action="retention.applied")] == [1]
    assert stored_files(media) == sorted(set(files_before) - {a_old.cv_file.name, b_old.cv_file.name})
    assert {a_edge.cv_file.name, a_recent.cv_file.name, b_kept.cv_file.name} <= set(stored_files(media))


@pytest.mark.django_db
def test_later_apps_purge_with_their_own_period_and_report_counts(tenant_a):
    calls = []

    def recordings(policy, now):
        calls.append((policy.recordings_days, now))
        return {"recordings_deleted": 3}

    retention.register_purger(recordings)
    try:
        with time_machine.travel(NOW, tick=False), tenant_context(tenant_a.pk):
            counts = services.apply_retention()
            entry = AuditLog.objects.get(action="retention.applied")
    finally:
        retention._purgers.remove(recordings)
    assert counts == {"candidates_erased": 0, "recordings_deleted": 3}
    assert calls == [(183, NOW)] and entry.details["recordings_deleted"] == 3


@pytest.mark.parametrize("moment, months, expected", [
    (datetime(2027, 6, 15, 3, 0), 24, datetime(2025, 6, 15, 3, 0)),
    (datetime(2027, 3, 31, 0, 0), 1, datetime(2027, 2, 28, 0, 0)),
    (datetime(2027, 1, 10, 0, 0), 13, datetime(2025, 12, 10, 0, 0)),
])
def test_months_before_counts_calendar_months(moment, months, expected):
    assert retention.months_before(moment, months) == expected
