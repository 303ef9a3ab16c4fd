"""The part of the interviews benchmark that runs inside the application (bench/interviews.py
starts it in the checkout's directory, with the environment of each part).

    python bench/interviews_app.py simulate --runs 5 --out result.json
    python bench/interviews_app.py dialler --tenants 20 --per-tenant 50 --out result.json

`simulate` (embedded defaults: SQLite, no Twilio credentials, the bundled Whisper model, the
offline analyser, Celery eager) times `schedule_interview(persona="good")` until the report is
ready: the whole chain runs inline (dial, simulated call through the webhook views, recording
fetch, then each answer's transcription and the analysis); the moment the interview is
audio_complete is taken when the pipeline starts, and the report's first PDF is timed after. Each
stage's own time is measured by wrapping its entry point (a stage nested in another is not
counted twice).

`dialler` (PostgreSQL as the runtime role, Twilio's SDK against a stub, Celery eager) seeds due
interviews across tenants with bulk_create inside each tenant's context, then times
`dial_due_interviews()` twice: once with `place_call_task.apply_async` only recorded (the claim
loop alone), once for real (each claim dialled through `place_call` and the SDK).
"""

import argparse
import functools
import json
import os
import sys
import time
from collections import Counter, defaultdict
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from unittest import mock

# A Tuesday, 11:00 in Casablanca: inside calling hours (real calls keep them; the clock is moved
# there for the dialler, as the tests do, and keeps ticking).
WEEKDAY_MORNING = "2026-03-10T10:00:00+00:00"
QUESTIONS = (
    "Tell us about your experience with Python and Django.",
    "How do you work in a team when a deadline is close?",
    "Tell us about a customer you helped with a difficult problem.",
    "Which tools do you use to test your code?",
    "When could you start, and what salary do you expect?",
)
CONSENT_NOTE = "Agreed by phone on 3 March (benchmark)."


def setup_django():
    """Import the application of the current directory (the checkout under test), not this
    folder's interviews.py."""
    here = str(Path(__file__).resolve().parent)
    sys.path[:] = [path for path in sys.path if Path(path or ".").resolve() != Path(here)]
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aihm.settings")
    import django

    django.setup()
    import interviews

    if Path(interviews.__file__).resolve().parent.parent != Path(os.getcwd()).resolve():
        raise SystemExit(f"imported the interviews app from {interviews.__file__}, not from {os.getcwd()}")


class StageClock:
    """Time spent in each wrapped function, its own only: time in a nested wrapped function
    counts for that one."""

    def __init__(self):
        self.seconds = defaultdict(float)
        self.calls = Counter()
        self._nested = []

    def wrap(self, stage, function):
        @functools.wraps(function)
        def timed(*args, **kwargs):
            self._nested.append(0.0)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                took = time.perf_counter() - started
                self.seconds[stage] += took - self._nested.pop()
                self.calls[stage] += 1
                if self._nested:
                    self._nested[-1] += took

        return timed

    def reset(self):
        self.seconds.clear()
        self.calls.clear()


# --- simulate: schedule-now to audio_complete, on the embedded defaults ---------------------------


def make_company(name, questions):
    """A company, its recruiter, and an open English position with `questions` questions."""
    from accounts.models import Role, Tenant, User
    from aihm.tenancy import tenant_context
    from recruiting.models import Position, PositionStatus, Question

    tenant = Tenant.objects.create(name=name)
    with tenant_context(tenant.pk):
        recruiter = User(email=f"recruiter@{tenant.pk.hex[:8]}.bench.test", full_name="Rita Recruiter",
                         tenant=tenant, role=Role.RECRUITER)
        recruiter.set_unusable_password()
        recruiter.save()
        position = Position.objects.create(
            title="Python developer", description="We build telephony software in Python and Django.",
            skills=["Python", "Django", "PostgreSQL"], must_haves=["Python"], nice_to_haves=["Docker"],
            min_years_experience=3, language="en", status=PositionStatus.OPEN, owner=recruiter,
        )
        Question.objects.bulk_create([
            Question(tenant_id=tenant.pk, position=position, order=order, text=QUESTIONS[order % len(QUESTIONS)],
                     good_answer="A concrete example, the candidate's own role, a measurable result.", max_answer_seconds=60)
            for order in range(questions)
        ])
    return tenant, recruiter, position


def simulate(runs, questions):
    from django.core.files.storage import default_storage

    from consent.services import record_recruiter_consent
    from aihm.tenancy import tenant_context
    from interviews import analysis, pdf, pipeline, recordings, simulator, transcription
    from interviews.models import Answer, AnswerState, Interview, Transcript, TranscriptState
    from interviews.services import schedule_interview
    from recruiting.models import Candidate

    tenant, recruiter, position = make_company("Bench simulated calls", questions)
    clock = StageClock()
    stages = {
        "speech": (simulator, "synthesize_phone_answer"),
        "webhooks": (simulator._SimulatedCall, "post"),
        "recordings": (recordings, "store_recording"),
        "simulator": (simulator, "run_simulated_call"),
        "transcription": (transcription, "transcribe"),
        "analysis": (analysis, "analyse"),
    }
    result = {"runs": [], "questions": questions}
    audio_complete_at = []
    start_pipeline = pipeline.start

    def start(interview_id):
        audio_complete_at.append(time.perf_counter())
        return start_pipeline(interview_id)

    with ExitStack() as patches:
        for stage, (owner, name) in stages.items():
            patches.enter_context(mock.patch.object(owner, name, clock.wrap(stage, getattr(owner, name))))
        patches.enter_context(mock.patch.object(pipeline, "start", start))
        for run in range(runs):
            with tenant_context(tenant.pk):
                candidate = Candidate.objects.create(
                    position=position, full_name=f"Zineb El Amrani {run}", email=f"candidate{run}@bench.test",
                    phone=f"+2126123456{run:02d}", timezone="Africa/Casablanca",
                )
                record_recruiter_consent(candidate=candidate, by=recruiter, note=CONSENT_NOTE)
            clock.reset()
            audio_complete_at.clear()
            started = time.perf_counter()
            with tenant_context(tenant.pk):
                interview = schedule_interview(by=recruiter, candidate=candidate, persona="good")
            took = time.perf_counter() - started
            with tenant_context(tenant.pk):
                interview = Interview.objects.select_related("candidate__position").get(pk=interview.pk)
                stored = list(Answer.objects.filter(interview_id=interview.pk, state=AnswerState.STORED)
                              .values_list("size_bytes", "duration_seconds"))
                answers = Answer.objects.filter(interview_id=interview.pk).count()
                transcripts = Transcript.objects.filter(interview_id=interview.pk, state=TranscriptState.DONE).count()
                report = pipeline.latest_analysis(interview)
                pdf_started = time.perf_counter()
                pdf_key = pdf.stored_pdf(interview, report, "en") if report is not None and report.state == "done" else ""
                pdf_seconds = time.perf_counter() - pdf_started
                pdf_bytes = default_storage.size(pdf_key) if pdf_key else 0
            result["runs"].append({
                "seconds": took, "state": interview.state, "answers_stored": len(stored),
                "audio_complete_seconds": audio_complete_at[0] - started if audio_complete_at else None,
                "answers": answers, "audio_bytes": sum(size for size, _seconds in stored),
                "audio_seconds": sum(seconds or 0 for _size, seconds in stored), "transcripts_done": transcripts,
                "analysis_state": report.state if report is not None else "", "analysis_provider": report.provider if report else "",
                "recommendation": report.recommendation if report is not None else "",
                "pdf_seconds": pdf_seconds if pdf_key else None, "pdf_bytes": pdf_bytes,
                "stages": dict(clock.seconds), "calls": dict(clock.calls),
            })
    return result


# --- dialler: claims per second, and claims dialled per second ----------------------------------


def seed_due_interviews(tenants, per_tenant, consent):
    """`tenants` companies with `per_tenant` consenting candidates each, one due interview each,
    and a call policy allowing 100 simultaneous calls. `consent`: "service" records every consent
    through consent.services.record_recruiter_consent; "bulk" records the first of each company
    through it and bulk-creates the others' request and record with the fields it set."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Role, Tenant, User
    from aihm.tenancy import tenant_context
    from consent.models import ConsentRecord, ConsentRequest
    from consent.services import record_recruiter_consent
    from interviews.models import CallPolicy, Interview
    from recruiting.models import Candidate, PipelineStatus, Position, PositionStatus, Question, ScriptVersion

    now = timezone.now()
    companies = Tenant.objects.bulk_create([Tenant(name=f"Bench dialler {c:02d}") for c in range(tenants)])
    for c, tenant in enumerate(companies):
        with tenant_context(tenant.pk), transaction.atomic():
            recruiter = User(email=f"recruiter{c:02d}@{tenant.pk.hex[:12]}.bench.test", full_name=f"Recruiter {c:02d}",
                             tenant=tenant, role=Role.RECRUITER)
            recruiter.set_unusable_password()
            User.objects.bulk_create([recruiter])
            position = Position(tenant_id=tenant.pk, title=f"Python developer {c:02d}", description="Telephony software.",
                                skills=["Python", "Django"], must_haves=["Python"], language="en",
                                status=PositionStatus.OPEN, owner=recruiter)
            Position.objects.bulk_create([position])
            questions = Question.objects.bulk_create([
                Question(tenant_id=tenant.pk, position=position, order=order, text=text, max_answer_seconds=60)
                for order, text in enumerate(QUESTIONS)
            ])
            # The snapshot recruiting.services.freeze_script takes.
            script = ScriptVersion(tenant_id=tenant.pk, position=position, number=1, language="en", frozen_by=recruiter,
                                   questions=[{"id": str(q.pk), "text": q.text, "good_answer": q.good_answer, "weight": q.weight,
                                               "max_answer_seconds": q.max_answer_seconds} for q in questions])
            ScriptVersion.objects.bulk_create([script])
            CallPolicy.objects.bulk_create([CallPolicy(tenant_id=tenant.pk, max_simultaneous_calls=100)])
            candidates = Candidate.objects.bulk_create([
                Candidate(tenant_id=tenant.pk, position=position, full_name=f"Candidate {c:02d}-{n:03d}",
                          email=f"candidate{c:02d}{n:03d}@bench.test", phone=f"+2126{c:02d}{n:06d}",
                          timezone="Africa/Casablanca", created_by=recruiter)
                for n in range(per_tenant)
            ])
            by_service = candidates if consent == "service" else candidates[:1]
            for candidate in by_service:
                candidate.position, candidate.tenant = position, tenant
                record_recruiter_consent(candidate=candidate, by=recruiter, note=CONSENT_NOTE)
            rest = candidates[len(by_service):]
            if rest:
                model = ConsentRecord.objects.filter(candidate=candidates[0]).select_related("request").get()
                requests = ConsentRequest.objects.bulk_create([
                    ConsentRequest(tenant_id=tenant.pk, candidate=candidate, language=model.request.language,
                                   state=model.request.state, expires_at=now, answered_at=now, created_by=recruiter)
                    for candidate in rest
                ])
                ConsentRecord.objects.bulk_create([
                    ConsentRecord(tenant_id=tenant.pk, candidate=candidate, candidate_ref=candidate.pk, request=request,
                                  decision=model.decision, channel=model.channel, covers=model.covers,
                                  text_version=model.text_version, text_hash=model.text_hash, language=model.language,
                                  recorded_by=recruiter, note=CONSENT_NOTE)
                    for candidate, request in zip(rest, requests)
                ])
            Interview.objects.bulk_create([
                Interview(tenant_id=tenant.pk, candidate=candidate, script=script, language="en",
                          next_call_at=now - timedelta(seconds=1), created_by=recruiter)
                for candidate in candidates
            ])
            Candidate.objects.filter(position=position).update(status=PipelineStatus.INTERVIEW_SCHEDULED)
    return tenants * per_tenant


def dialler(tenants, per_tenant, consent, claim_rounds):
    import time_machine
    from django.conf import settings
    from django.db import connections

    from aihm.tenancy import bypassing_rls
    from interviews import dialler as dialling
    from interviews import telephony
    from interviews.models import CallAttempt, Interview, InterviewState
    from interviews.tasks import place_call_task

    if telephony.is_simulated() or not settings.TWILIO_API_BASE_URL:
        raise SystemExit("the dialler part needs Twilio credentials and TWILIO_API_BASE_URL (a stub)")
    result = {"calls_per_second": settings.CALLS_PER_SECOND, "consent": consent}
    with time_machine.travel(WEEKDAY_MORNING, tick=True):
        started = time.perf_counter()
        result["interviews"] = seed_due_interviews(tenants, per_tenant, consent)
        result["seed_seconds"] = time.perf_counter() - started
        with connections["privileged"].cursor() as cursor:
            cursor.execute("ANALYZE")  # a fresh table has no statistics yet; production's have

        # (a) The claim loop alone, `claim_rounds` times: the dials are recorded, not run, and
        # the claims undone after each round.
        result["claims"] = []
        for _round in range(claim_rounds):
            queued = []
            with mock.patch.object(place_call_task, "apply_async", side_effect=lambda args, **kw: queued.append(args)):
                started = time.perf_counter()
                claimed = dialling.dial_due_interviews()
                seconds = time.perf_counter() - started
            result["claims"].append({"seconds": seconds, "claimed": len(claimed), "queued": len(queued),
                                     "distinct_queued": len({tuple(args) for args in queued})})
            bypassing_rls(Interview).filter(pk__in=claimed).update(claimed_at=None)

        # (b) Claimed and dialled: place_call through the SDK, inline (Celery eager).
        clock = StageClock()
        stages = {"calls_create": (telephony.TwilioTelephony, "place_call"), "place_call": (dialling, "place_call")}
        with ExitStack() as patches:
            for stage, (owner, name) in stages.items():
                patches.enter_context(mock.patch.object(owner, name, clock.wrap(stage, getattr(owner, name))))
            started = time.perf_counter()
            dialled = dialling.dial_due_interviews()
            seconds = time.perf_counter() - started
        attempts = bypassing_rls(CallAttempt)
        result["dials"] = {
            "seconds": seconds, "claimed": len(dialled), "stages": dict(clock.seconds), "calls": dict(clock.calls),
            "attempts": attempts.count(),
            "attempts_with_sid": attempts.exclude(call_sid="").count(),
            "distinct_sids": attempts.exclude(call_sid="").values("call_sid").distinct().count(),
            "interviews_dialling": bypassing_rls(Interview).filter(state=InterviewState.DIALLING).count(),
            "attempts_errors": list(attempts.exclude(error="").values_list("error", flat=True).distinct()[:5]),
        }
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    simulate_parser = sub.add_parser("simulate")
    simulate_parser.add_argument("--runs", type=int, default=5)
    simulate_parser.add_argument("--questions", type=int, default=5)
    simulate_parser.add_argument("--out", required=True)
    dialler_parser = sub.add_parser("dialler")
    dialler_parser.add_argument("--tenants", type=int, default=20)
    dialler_parser.add_argument("--per-tenant", type=int, default=50)
    dialler_parser.add_argument("--consent", choices=("bulk", "service"), default="bulk")
    dialler_parser.add_argument("--claim-rounds", type=int, default=3)
    dialler_parser.add_argument("--out", required=True)
    options = parser.parse_args()

    setup_django()
    if options.command == "simulate":
        result = simulate(options.runs, options.questions)
    else:
        result = dialler(options.tenants, options.per_tenant, options.consent, options.claim_rounds)
    Path(options.out).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
