"""The scoring lease: a worker that dies mid-scoring loses its claim within about a minute and the
CV is scored again; a worker still at work keeps renewing its claim, so the sweeper never takes it."""

import threading
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path

import pytest
import time_machine

from aihm import ai
from aihm.tenancy import tenant_context
from recruiting import scoring
from recruiting.models import Candidate, ScoringStatus
from tests import factories

CV_TEXT = (Path(__file__).parent / "fixtures" / "cvs" / "dev_python_en.txt").read_text(encoding="utf-8")
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=dt_timezone.utc)


class WorkerKilled(BaseException):
    """What `kill -9` looks like from inside: the scoring stops where it is, nothing is cleaned up."""


@pytest.fixture
def candidate(tenant_a):
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory(language="en", skills=["Python"], must_haves=["Python"])
        return factories.CandidateFactory(position=position, cv_text=CV_TEXT, scoring_status=ScoringStatus.QUEUED)


def state_of(candidate):
    with tenant_context(candidate.tenant_id):
        return Candidate.objects.get(pk=candidate.pk)


def killed_while_scoring(candidate, monkeypatch):
    """Claim and start the scoring at T0, and die inside the provider call."""
    def dies(*args, **kwargs):
        raise WorkerKilled

    with monkeypatch.context() as patch, time_machine.travel(T0, tick=False), tenant_context(candidate.tenant_id):
        patch.setattr(scoring.ai, "run", dies)
        with pytest.raises(WorkerKilled):
            scoring.score_cv(candidate.pk)
    assert state_of(candidate).scoring_status == ScoringStatus.SCORING


@pytest.mark.django_db(transaction=True, databases=["default", "privileged"])
def test_a_scoring_lost_with_its_worker_is_scored_again_within_a_minute_and_a_half(candidate, monkeypatch):
    killed_while_scoring(candidate, monkeypatch)
    with time_machine.travel(T0 + scoring.SCORING_LEASE - timedelta(seconds=1), tick=False):
        assert scoring.requeue_stale_scoring() == 0, "a claim inside its lease is left alone"
    # The sweeper runs every 30 s: the first run after the lease ends takes the claim back.
    with time_machine.travel(T0 + scoring.SCORING_LEASE + timedelta(seconds=30), tick=False):
        assert scoring.requeue_stale_scoring() == 1  # the task runs eagerly here and scores it
    scored = state_of(candidate)
    assert scored.scoring_status == ScoringStatus.SCORED and scored.cv_score is not None
    assert scoring.SCORING_LEASE + timedelta(seconds=30) <= timedelta(seconds=90)


@pytest.mark.django_db(transaction=True, databases=["default", "privileged"])
def test_a_renewed_claim_is_not_taken_back_while_its_worker_renews_it(candidate, monkeypatch):
    killed_while_scoring(candidate, monkeypatch)
    claimed_at = state_of(candidate).scoring_claimed_at
    for seconds in (15, 30, 45, 60, 75):
        with time_machine.travel(T0 + timedelta(seconds=seconds), tick=False), tenant_context(candidate.tenant_id):
            assert scoring.renew_scoring_lease(candidate.pk, claimed_at)
    with time_machine.travel(T0 + timedelta(seconds=75) + scoring.SCORING_LEASE - timedelta(seconds=1), tick=False):
        assert scoring.requeue_stale_scoring() == 0
    with time_machine.travel(T0 + timedelta(seconds=75) + scoring.SCORING_LEASE + timedelta(seconds=1), tick=False):
        assert scoring.requeue_stale_scoring() == 1
    assert state_of(candidate).scoring_status == ScoringStatus.SCORED


@pytest.mark.django_db(transaction=True, databases=["default", "privileged"])
def test_a_taken_back_claim_cannot_be_renewed_nor_store_its_late_result(candidate, monkeypatch):
    killed_while_scoring(candidate, monkeypatch)
    claimed_at = state_of(candidate).scoring_claimed_at
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        with tenant_context(candidate.tenant_id):
            Candidate.objects.filter(pk=candidate.pk).update(scoring_status=ScoringStatus.QUEUED, scoring_claimed_at=None)
        with tenant_context(candidate.tenant_id):
            assert scoring.renew_scoring_lease(candidate.pk, claimed_at) is False


@pytest.mark.django_db(transaction=True, databases=["default", "privileged"])
def test_the_claim_is_renewed_while_the_provider_call_runs(candidate, monkeypatch):
    """The renewal thread, for real: a provider call that returns only once the claim was renewed
    from the other thread (bounded by a timeout, so a broken renewal fails instead of hanging)."""
    monkeypatch.setattr(scoring, "LEASE_RENEWAL", timedelta(seconds=0.02))
    real_run, renewed = ai.run, threading.Event()
    real_renew = scoring.renew_scoring_lease

    def renew_and_tell(candidate_id, claimed_at):
        if real_renew(candidate_id, claimed_at):
            renewed.set()
        return True

    def slow_provider(*args, **kwargs):
        assert renewed.wait(timeout=10), "the claim was never renewed during the call"
        return real_run(*args, **kwargs)

    monkeypatch.setattr(scoring, "renew_scoring_lease", renew_and_tell)
    monkeypatch.setattr(scoring.ai, "run", slow_provider)
    with tenant_context(candidate.tenant_id):
        scoring.score_cv(candidate.pk)
    assert state_of(candidate).scoring_status == ScoringStatus.SCORED
