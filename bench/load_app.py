"""The part of the load benchmark that runs inside the application under test (bench/load.py
starts it with the checkout's directory first on sys.path, and the server's environment).

    python bench/load_app.py seed --scale 1.0 --out ids.json
    python bench/load_app.py probe --spec routes.json --out probe.json

`seed` fills an empty, migrated database with the benchmark's data set, deterministically (the
same ids, names and scores on every run): 20 companies, 200 positions with five questions each,
10,000 candidates, one position holding 2,000 of them (all counts times --scale). Rows are
written with bulk_create inside each company's tenant context, as the runtime role, so row-level
security checks every row; one password hash is computed and shared by every user.

`probe` signs in the benchmark's recruiter through the API (an access token) and through a
session (the dashboard's cookie), then requests each route twice with Django's test client and
counts the queries of the second, warm request on every database alias.
"""

import argparse
import hashlib
import json
import os
import random
import sys
import uuid
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

PASSWORD = "Bench-load-password-2026!"
COMPANIES, POSITIONS, CANDIDATES, BIG_POSITION = 20, 200, 10_000, 2_000
QUESTIONS_PER_POSITION = 5
SEED = 8
# The consent notice the seeded consents were given on (its SHA-256, as a record stores it).
NOTICE_HASH = hashlib.sha256(b"AIHM benchmark consent notice").hexdigest()
SKILLS = ["Python", "Django", "PostgreSQL", "Docker", "Customer service", "Excel", "Team management", "Accounting",
          "Sage", "KPI", "CRM", "Training", "Sales", "French", "English", "Arabic", "Logistics", "SQL"]
TITLES = ["Développeur·se Python", "Customer Support Team Lead", "Comptable confirmé·e", "Téléconseiller·ère",
          "Sales Development Representative", "Chef·fe de projet", "Data analyst", "Responsable logistique",
          "Assistant·e RH", "Commercial·e terrain"]
FIRST_NAMES = ["Nadia", "Youssef", "Claire", "Karim", "Salma", "Julien", "Imane", "Mehdi", "Sophie", "Omar",
               "Leila", "Hugo", "Aya", "Thomas", "Sara", "Adam", "Hajar", "Lucas", "Rania", "Yassine"]
LAST_NAMES = ["Benali", "Alaoui", "Martin", "El Idrissi", "Bernard", "Tazi", "Dubois", "Chraibi", "Moreau",
              "Bennani", "Laurent", "Fassi", "Lefebvre", "Amrani", "Garcia", "Berrada"]
CV_WORDS = ("expérience projet équipe client Python Django PostgreSQL gestion qualité formation vente support "
            "analyse résultats objectifs indicateurs outils Excel CRM comptabilité clôture fiscalité logistique").split()


def setup_django():
    """Import the application of the current directory (the checkout under test)."""
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aihm.settings")
    import django

    django.setup()
    import aihm

    here = Path(aihm.__file__).resolve().parent.parent
    if here != Path(os.getcwd()).resolve():
        raise SystemExit(f"imported the application from {here}, not from {os.getcwd()}")


def counts(scale):
    companies = max(1, round(COMPANIES * scale))
    positions = max(companies, round(POSITIONS * scale))
    candidates = max(positions, round(CANDIDATES * scale))
    big = max(1, min(candidates - (positions - 1), round(BIG_POSITION * scale)))
    return companies, positions, candidates, big


class Ids:
    """uuid4-shaped ids from a seeded generator: the same data set on every run."""

    def __init__(self, rng):
        self.rng = rng

    def __call__(self):
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)


def score_details(rng, position_skills, score):
    """The shape recruiting's offline scoring stores (criteria with evidence, provenance)."""
    criteria = []
    for kind, requirement in [("must_have", position_skills[0]), *(("skill", s) for s in position_skills[1:])]:
        met = rng.random() < 0.6
        criteria.append({"requirement": requirement, "kind": kind, "score": 100 if met else rng.randrange(0, 60),
                         "met": met, "evidence": f"J'ai utilisé {requirement} pendant {rng.randrange(1, 9)} ans sur des projets clients." if met else ""})
    return {
        "summary": f"Score {score}/100 : {sum(c['met'] for c in criteria)} critères sur {len(criteria)} trouvés dans le CV.",
        "criteria": criteria,
        "must_haves_met": [c["requirement"] for c in criteria if c["kind"] == "must_have" and c["met"]],
        "must_haves_missing": [c["requirement"] for c in criteria if c["kind"] == "must_have" and not c["met"]],
        "years_of_experience": float(rng.randrange(0, 15)),
        "insufficient_text": False,
        "ignored_requirements": [],
        "provider": "offline", "model": "offline", "prompt_version": "bench", "usage": {},
    }


def seed(scale):
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from accounts.models import Role, Tenant, User
    from aihm.tenancy import tenant_context
    from recruiting.models import Candidate, CandidateDecision, CandidateSource, PipelineStatus, Position, PositionStatus, Question, ScoringStatus

    rng = random.Random(SEED)
    new_id = Ids(rng)
    n_companies, n_positions, n_candidates, n_big = counts(scale)
    password = make_password(PASSWORD)
    now = timezone.now()

    tenants = Tenant.objects.bulk_create(
        [Tenant(id=new_id(), name=f"Bench company {c:02d}") for c in range(n_companies)]
    )
    # Positions round-robin over the companies; position 0 (company 0) is the big one.
    positions_of = {t.pk: [] for t in tenants}
    for p in range(n_positions):
        positions_of[tenants[p % n_companies].pk].append(p)
    # The big position takes n_big candidates; the others share the rest evenly.
    others = list(range(1, n_positions))
    candidate_position = [0] * n_big + [others[i % len(others)] if others else 0 for i in range(n_candidates - n_big)]
    position_statuses = [PositionStatus.OPEN, PositionStatus.OPEN, PositionStatus.OPEN, PositionStatus.DRAFT, PositionStatus.CLOSED]
    statuses = [PipelineStatus.NEW, PipelineStatus.CV_SCORED, PipelineStatus.CV_SCORED, PipelineStatus.CV_SCORED,
                PipelineStatus.SHORTLISTED, PipelineStatus.REJECTED, PipelineStatus.HIRED]

    summary = {"companies": n_companies, "positions": n_positions, "candidates": n_candidates, "big_position_candidates": n_big}
    with transaction.atomic():
        for c, tenant in enumerate(tenants):
            with tenant_context(tenant.pk):
                users = User.objects.bulk_create([
                    User(id=new_id(), email=f"{role}{c:02d}@bench.aihm.test", full_name=f"{role.label} {c:02d}",
                         tenant=tenant, role=role, password=password)
                    for role in (Role.ADMIN, Role.RECRUITER, Role.VIEWER)
                ])
                recruiter = users[1]
                position_rows = {}
                for p in positions_of[tenant.pk]:
                    skills = rng.sample(SKILLS, 4)
                    position_rows[p] = Position(
                        id=new_id(), tenant_id=tenant.pk, title=f"{TITLES[p % len(TITLES)]} #{p:03d}",
                        description="Nous recrutons pour une équipe en croissance. " * 8,
                        skills=skills, must_haves=skills[:1], nice_to_haves=skills[3:], min_years_experience=p % 6,
                        location=["Casablanca", "Rabat", "Paris", "Lyon", "Tanger"][p % 5],
                        language=["fr", "en"][p % 2], status=position_statuses[p % len(position_statuses)],
                        owner_id=recruiter.pk,
                    )
                Position.objects.bulk_create(position_rows.values())
                Question.objects.bulk_create([
                    Question(id=new_id(), tenant_id=tenant.pk, position_id=position.pk, order=q,
                             text=f"Question {q + 1} : parlez-nous de votre expérience en {position.skills[q % 4]}.",
                             good_answer="Un exemple concret, le rôle du candidat, un résultat mesurable.", weight=1 + q % 5)
                    for position in position_rows.values() for q in range(QUESTIONS_PER_POSITION)
                ])
                rows = []
                for n, p in enumerate(candidate_position):
                    if p not in position_rows:
                        continue
                    position = position_rows[p]
                    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                    status = rng.choice(statuses)
                    scored = status != PipelineStatus.NEW or rng.random() < 0.3
                    score = rng.randrange(5, 100) if scored else None
                    decided = status in (PipelineStatus.SHORTLISTED, PipelineStatus.REJECTED, PipelineStatus.HIRED)
                    rows.append(Candidate(
                        id=new_id(), tenant_id=tenant.pk, position_id=position.pk, full_name=f"{first} {last}",
                        email=f"candidate{n:05d}@bench.aihm.test", phone=f"+2126{n:08d}",
                        timezone="Africa/Casablanca" if n % 3 else "Europe/Paris", source=CandidateSource.SEED,
                        status=status, notes="Disponible sous un mois." if n % 4 == 0 else "",
                        # The CV's name and text only: the benchmark never downloads it.
                        cv_file=f"tenants/{tenant.pk}/cvs/bench-{n:05d}.pdf" if scored else "",
                        cv_filename=f"CV {first} {last}.pdf" if scored else "",
                        cv_content_type="application/pdf" if scored else "", cv_size=48_000 + n if scored else None,
                        cv_text=" ".join(rng.choices(CV_WORDS, k=180)) if scored else "",
                        scoring_status=ScoringStatus.SCORED if scored else ScoringStatus.NO_CV,
                        cv_score=score, cv_score_details=score_details(rng, position.skills, score) if scored else {},
                        scored_at=now - timedelta(minutes=n) if scored else None,
                        decision=status if decided else "", decided_by_id=recruiter.pk if decided else None,
                        decided_at=now if decided else None,
                        created_by_id=recruiter.pk,
                    ))
                Candidate.objects.bulk_create(rows, batch_size=1000)
                # Added 90 days ago (the creation time is set on insert), before their interviews and
                # reports of the last 60 days.
                Candidate.objects.filter(pk__in=[row.pk for row in rows]).update(created_at=F("created_at") - timedelta(days=90))
                # The decision behind each shortlisted, rejected or hired status, as the service records it.
                CandidateDecision.objects.bulk_create([
                    CandidateDecision(tenant_id=tenant.pk, candidate_id=row.pk, decision=row.status, decided_by_id=recruiter.pk)
                    for row in rows if row.decided_at
                ], batch_size=1000)
                interviewed = seed_interviews(rng, new_id, tenant, recruiter, position_rows, rows, now)
                if c == 0:
                    big = position_rows[0]
                    detail = rows[n_big // 2]  # in the big position
                    summary.update({
                        "user_email": recruiter.email, "password": PASSWORD, "tenant_id": str(tenant.pk),
                        "big_position_id": str(big.pk), "candidate_id": str(detail.pk),
                        "interview_id": str(interviewed[0]),
                    })
                summary["interviews"] = summary.get("interviews", 0) + len(interviewed)
    return summary


# The answers of the seeded interviews: one text per question and language, analysed once by the
# offline analyser (each interview of a position gets the same report; the pages read it all the same).
ANSWERS = {
    "fr": "J'ai travaillé quatre ans sur ce sujet : un exemple concret, mon rôle dans l'équipe et un résultat mesurable, "
          "vingt pour cent de temps gagné sur les livraisons.",
    "en": "I worked on this for four years: a concrete example, my own role in the team and a measurable result, "
          "twenty percent less time spent on each release.",
}


def seed_interviews(rng, new_id, tenant, recruiter, position_rows, candidates, now):
    """Every third candidate of the company interviewed: a frozen script per position, one call
    attempt, an answer per question with its transcript, and a done offline analysis (the report).
    Returns the ids of the interviews, the big position's first."""
    from django.db.models import OuterRef, Subquery

    from interviews import analysis as analyser
    from interviews.models import (
        AnalysisState, Answer, AnswerState, AttemptState, CallAttempt, CallOutcome, Interview, InterviewAnalysis,
        InterviewState, Transcript, TranscriptState,
    )
    from consent.models import Channel, ConsentRecord, ConsentRequest, Coverage, Decision, RequestState
    from recruiting.models import ConsentState, PipelineStatus, Question, ScriptVersion

    questions = {}
    for question in Question.objects.filter(position__in=list(position_rows.values())).order_by("order"):
        questions.setdefault(question.position_id, []).append(question)
    scripts, reports = {}, {}
    for position in position_rows.values():
        frozen = [{"id": str(q.pk), "text": q.text, "texts": {position.language: q.text}, "good_answer": q.good_answer,
                   "weight": q.weight, "max_answer_seconds": q.max_answer_seconds} for q in questions[position.pk]]
        scripts[position.pk] = ScriptVersion(id=new_id(), tenant_id=tenant.pk, position=position, number=1,
                                             language=position.language, languages=[position.language], questions=frozen,
                                             frozen_by_id=recruiter.pk)
        key = (position.language, len(frozen))
        if key not in reports:
            reports[key] = analyser.analyse(
                title=position.title, language=position.language,
                questions=[{"text": q["text"], "rubric": q["good_answer"], "weight": q["weight"]} for q in frozen],
                answers=[{"text": ANSWERS[position.language], "quality": "good"}] * len(frozen))
    ScriptVersion.objects.bulk_create(scripts.values())
    chosen = sorted((c for n, c in enumerate(candidates) if n % 3 == 0),
                    key=lambda c: c.position_id != next(iter(position_rows.values())).pk)
    interviews, attempts, answers, transcripts, analyses = [], [], [], [], []
    for candidate in chosen:
        script = scripts[candidate.position_id]
        ended = now - timedelta(hours=rng.randrange(1, 24 * 60))
        interview = Interview(id=new_id(), tenant_id=tenant.pk, candidate_id=candidate.pk, script_id=script.pk,
                              language=script.language, state=InterviewState.AUDIO_COMPLETE, attempts_made=1,
                              persona="good", created_by_id=recruiter.pk, ended_at=ended)
        attempt = CallAttempt(id=new_id(), tenant_id=tenant.pk, interview_id=interview.pk, number=1,
                              state=AttemptState.ENDED, call_sid=f"CA{interview.pk.hex}", answered_by="human",
                              answered_at=ended - timedelta(minutes=4), ended_at=ended, duration_seconds=240,
                              outcome=CallOutcome.COMPLETED)
        interviews.append(interview)
        attempts.append(attempt)
        for index, question in enumerate(script.questions):
            answer = Answer(id=new_id(), tenant_id=tenant.pk, interview_id=interview.pk, attempt_id=attempt.pk,
                            question_index=index, question_id=question["id"], state=AnswerState.STORED,
                            duration_seconds=20, storage_key=f"tenants/{tenant.pk}/recordings/bench-{interview.pk.hex}-{index}.wav",
                            size_bytes=160_000, stored_at=ended)
            answers.append(answer)
            transcripts.append(Transcript(
                id=new_id(), tenant_id=tenant.pk, answer_id=answer.pk, interview_id=interview.pk, state=TranscriptState.DONE,
                text=ANSWERS[script.language], language=script.language, avg_logprob=-0.3, no_speech_prob=0.02,
                speech_seconds=17.5, model="whisper-base", settings={"beam_size": 5}, quality="good",
                segments=[{"start": 0.5, "end": 18.0, "text": ANSWERS[script.language], "avg_logprob": -0.3, "no_speech_prob": 0.02}]))
        output, provenance, gate = reports[(script.language, len(script.questions))]
        analyses.append(InterviewAnalysis(
            id=new_id(), tenant_id=tenant.pk, interview_id=interview.pk, version=1, state=AnalysisState.DONE, output=output,
            recommendation=output["recommendation"], overall_score=output["overall_score"], gate_reason=gate,
            provider=provenance.get("provider", ""), model=provenance.get("model", ""),
            prompt_version=provenance.get("prompt_version", ""), script_version=1, finished_at=ended + timedelta(minutes=3)))
    # Each interviewed candidate was asked for consent on the public page and granted it.
    requests, records = [], []
    for interview in interviews:
        request = ConsentRequest(id=new_id(), tenant_id=tenant.pk, candidate_id=interview.candidate_id,
                                 language=interview.language, state=RequestState.ANSWERED, expires_at=now + timedelta(days=7),
                                 sent_at=interview.ended_at - timedelta(days=2), answered_at=interview.ended_at - timedelta(days=1),
                                 created_by_id=recruiter.pk, created_at=interview.ended_at - timedelta(days=2))
        requests.append(request)
        records.append(ConsentRecord(tenant_id=tenant.pk, candidate_id=interview.candidate_id, candidate_ref=interview.candidate_id,
                                     request_id=request.pk, decision=Decision.GRANTED, channel=Channel.WEB,
                                     covers=[coverage.value for coverage in Coverage], text_version="bench",
                                     text_hash=NOTICE_HASH, language=interview.language, created_at=request.answered_at))
    for model, objects in ((Interview, interviews), (CallAttempt, attempts), (Answer, answers), (Transcript, transcripts),
                           (InterviewAnalysis, analyses), (ConsentRequest, requests), (ConsentRecord, records)):
        model.objects.bulk_create(objects, batch_size=1000)
    # What the pipeline mirrors on the candidate once the report is made.
    candidate_model = type(candidates[0])
    interviewed_ids = [interview.candidate_id for interview in interviews]
    candidate_model.objects.filter(pk__in=interviewed_ids, status=PipelineStatus.CV_SCORED).update(status=PipelineStatus.REPORT_READY)
    by_score = {}
    for interview, analysis in zip(interviews, analyses):
        by_score.setdefault(analysis.overall_score, []).append(interview.candidate_id)
    for score, ids in by_score.items():
        candidate_model.objects.filter(pk__in=ids).update(interview_score=score)
    candidate_model.objects.filter(pk__in=interviewed_ids).update(consent_state=ConsentState.GRANTED)
    first_report = InterviewAnalysis.objects.filter(interview__candidate=OuterRef("pk"), state=AnalysisState.DONE)
    candidate_model.objects.filter(pk__in=interviewed_ids).update(
        first_report_at=Subquery(first_report.order_by("finished_at").values("finished_at")[:1]))
    return [interview.pk for interview in interviews]


def probe(spec):
    """Tokens, a session cookie, each route's status and query count (warm, second request)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from aihm.tenancy import tenant_context

    host = spec["host"]
    api = Client(HTTP_HOST=host)
    answer = api.post("/api/v1/auth/login", {"email": spec["user_email"], "password": spec["password"]},
                      content_type="application/json", secure=True)
    if answer.status_code != 200:
        raise SystemExit(f"API sign-in failed: {answer.status_code} {answer.content[:300]!r}")
    access = answer.json()["access"]

    # Inside the company's context: the users table may be tenant-scoped, and signing in saves
    # the user's last login.
    backend = next(b for b in settings.AUTHENTICATION_BACKENDS if "axes" not in b)
    pages = Client(HTTP_HOST=host)
    with tenant_context(spec["tenant_id"]):
        user = get_user_model()._default_manager.get(email=spec["user_email"])
        pages.force_login(user, backend=backend)
    cookie_name = settings.SESSION_COOKIE_NAME
    cookies = {cookie_name: pages.cookies[cookie_name].value}

    result = {"access": access, "cookie": f"{cookie_name}={cookies[cookie_name]}", "routes": {}}
    for route in spec["routes"]:
        client = api if route["auth"] == "bearer" else pages
        headers = {"Authorization": f"Bearer {access}"} if route["auth"] == "bearer" else {}
        client.get(route["path"], headers=headers, secure=True)
        with ExitStack() as stack:
            captured = [stack.enter_context(CaptureQueriesContext(connections[alias])) for alias in connections]
            response = client.get(route["path"], headers=headers, secure=True)
        result["routes"][route["name"]] = {
            "status": response.status_code,
            "bytes": len(response.content),
            "queries": sum(len(c.captured_queries) for c in captured),
        }
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    seed_parser = sub.add_parser("seed")
    seed_parser.add_argument("--scale", type=float, default=1.0)
    seed_parser.add_argument("--out", required=True)
    probe_parser = sub.add_parser("probe")
    probe_parser.add_argument("--spec", required=True)
    probe_parser.add_argument("--out", required=True)
    options = parser.parse_args()

    setup_django()
    if options.command == "seed":
        result = seed(options.scale)
    else:
        result = probe(json.loads(Path(options.spec).read_text()))
    Path(options.out).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
