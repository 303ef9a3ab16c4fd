"""What the interview tests share: the screening questions, a position with them, a candidate who
has consented, and Twilio's SDK pointed at a stub of its REST API."""

import io
import re
import wave
from contextlib import contextmanager

from aihm.tenancy import tenant_context
from consent import services as consent_services
from interviews.telephony import _twilio_client
from tests import factories
from tests.stubs import StubServer

QUESTIONS = (
    "Tell us about your experience with Python and Django.",
    "How do you work in a team when a deadline is close?",
    "When could you start, and what salary do you expect?",
)
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "stub-twilio-auth-token"
FROM_NUMBER = "+33939000000"
WEBHOOK_BASE_URL = "https://hooks.aihm.test"


def position_with_questions(tenant, owner, questions=QUESTIONS):
    with tenant_context(tenant.pk):
        position = factories.PositionFactory(owner=owner, title="Développeur Python", language="en")
        for order, text in enumerate(questions):
            factories.QuestionFactory(position=position, order=order, text=text, max_answer_seconds=60)
        return position


def consenting_candidate(position, recruiter, **fields):
    """A candidate of `position` whose consent the recruiter noted."""
    values = {"full_name": "Zineb El Amrani", "phone": "+212612345678", **fields}
    with tenant_context(position.tenant_id):
        candidate = factories.CandidateFactory(position=position, **values)
        consent_services.record_recruiter_consent(candidate=candidate, by=recruiter, note="Agreed by phone on 3 March.")
        return candidate


@contextmanager
def twilio_stub(settings):
    """Real Twilio credentials in form, the SDK's requests going to a stub on 127.0.0.1."""
    with StubServer() as stub:
        settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
        settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
        settings.TWILIO_FROM_NUMBER = FROM_NUMBER
        settings.TWILIO_API_BASE_URL = stub.url
        settings.TWILIO_WEBHOOK_BASE_URL = WEBHOOK_BASE_URL
        _twilio_client.cache_clear()
        try:
            yield stub
        finally:
            _twilio_client.cache_clear()


RUBRICS = ("Python, Django, PostgreSQL in production", "communication, priorities, asks for help", "a date or a notice period")
ANSWERS = (
    "I have built web services in Python with Django for four years. Our data lived in PostgreSQL and I ran the production deployments myself.",
    "When a deadline is close I set the priorities with the team every morning. Communication is key, and I ask for help early.",
    "I could start in one month, after my notice period, and I expect a salary of twenty thousand dirhams.",
)


def pdf_text(data):
    """A PDF's text, its whitespace collapsed (a line break is a space)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def wav_bytes(seconds=0.2, rate=8000):
    """A stored-answer-shaped WAV: `seconds` of 16-bit silence at `rate`."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\x00\x00" * int(rate * seconds))
    return buffer.getvalue()


def mirror_first_reports():
    """What interviews.pipeline mirrors on each candidate once an analysis is done, for analyses
    a test wrote in bulk: Candidate.first_report_at, in the active tenant."""
    from django.db.models import OuterRef, Subquery

    from interviews.models import InterviewAnalysis
    from recruiting.models import Candidate

    reports = InterviewAnalysis.objects.filter(interview__candidate=OuterRef("pk"), state="done", finished_at__isnull=False)
    Candidate.objects.update(first_report_at=Subquery(reports.order_by("finished_at").values("finished_at")[:1]))


def finished_interview(tenant, recruiter):
    """An interview of the three QUESTIONS answered with ANSWERS (each with a short recording in
    storage), their transcripts done, and its offline analysis (version 1): built with the ORM, no
    call and no Whisper (the caller sets `ANTHROPIC_API_KEY = ""` for the offline analysis)."""
    import uuid

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from interviews import pipeline
    from interviews.models import InterviewAnalysis, InterviewState, Transcript

    position = position_with_questions(tenant, recruiter)
    candidate = consenting_candidate(position, recruiter)
    with tenant_context(tenant.pk):
        script = factories.ScriptVersionFactory(position=position, language="en", questions=[
            {"id": str(uuid.uuid4()), "text": text, "good_answer": rubric, "weight": 1, "max_answer_seconds": 60}
            for text, rubric in zip(QUESTIONS, RUBRICS)])
        interview = factories.InterviewFactory(candidate=candidate, script=script, language="en", state=InterviewState.AUDIO_COMPLETE)
        attempt = factories.CallAttemptFactory(interview=interview, number=1, duration_seconds=95)
        for index, text in enumerate(ANSWERS):
            key = default_storage.save(f"tenants/{tenant.pk}/recordings/{uuid.uuid4()}.wav", ContentFile(wav_bytes(1)))
            answer = factories.AnswerFactory(interview=interview, attempt=attempt, question_index=index, duration_seconds=25, storage_key=key)
            Transcript.objects.create(answer=answer, interview=interview, state="done", text=text, language="en",
                                      language_probability=0.97, avg_logprob=-0.21, quality="good", model="whisper-base",
                                      speech_seconds=20, settings={"beam_size": 5},
                                      segments=[{"start": 0.0, "end": 4.2, "text": text, "avg_logprob": -0.21, "no_speech_prob": 0.01}])
        analysis = InterviewAnalysis.objects.create(interview=interview, version=1)
        pipeline.run_analysis(analysis.pk)
    return interview
