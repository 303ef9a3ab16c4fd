"""Transcription of each stored answer with the bundled Whisper base model: the model is the
published one, the simulator's phone-quality French and English are understood, silence stays
empty, detection keeps to the allowed languages, and a simulated interview ends with a transcript
per answer (or a failed one with its reason, the audio kept)."""

import hashlib
import re
import unicodedata

import pytest
import time_machine
from django.core.files.storage import default_storage

from aihm.tenancy import tenant_context
from interviews import phone_audio, services, transcription
from interviews.models import Answer, AnswerState, Transcript, TranscriptQuality, TranscriptState
from interviews.personas import PERSONAS
from interviews.tasks import transcribe_answer_task
from recruiting.scripts import question_text
from tests.interviews_support import consenting_candidate, position_with_questions

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "privileged"])

WEEKDAY_MORNING = "2026-03-10T10:00:00+00:00"
NUMBERS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
           "eight": "8", "nine": "9", "ten": "10", "un": "1", "deux": "2", "trois": "3", "quatre": "4",
           "cinq": "5", "sept": "7", "huit": "8", "neuf": "9", "dix": "10"}
ENGLISH = "I have five years of experience with Django and PostgreSQL, and I led a team of four developers at a bank in Casablanca."
FRENCH = "J'ai cinq ans d'expérience avec Django, et j'ai dirigé une équipe de quatre personnes dans une banque à Casablanca."


def words(text):
    """Lower case, no accents, no punctuation, numbers as digits."""
    plain = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    return [NUMBERS.get(word, word) for word in re.findall(r"[a-z0-9]+", plain.replace(",", ""))]


def share_of_key_words_heard(said, heard):
    """Of the words of four letters or more (and the numbers) that were said, the share heard."""
    key = {word for word in words(said) if len(word) >= 4 or word.isdigit()}
    return len(key & set(words(heard))) / len(key)


@pytest.fixture(scope="module")
def english_answer():
    return phone_audio.synthesize_phone_answer(ENGLISH, "en")


def test_the_assembled_model_is_the_published_one(settings):
    folder = transcription.bundled_model_path()
    digest = hashlib.sha256()
    with open(folder / "model.bin", "rb") as model_bin:
        while chunk := model_bin.read(1 << 20):
            digest.update(chunk)
    assert digest.hexdigest() == transcription.BASE_MODEL_SHA256
    assert (folder / "model.bin").stat().st_size == transcription.BASE_MODEL_SIZE
    assert {"config.json", "tokenizer.json", "vocabulary.txt"} <= {path.name for path in folder.iterdir()}
    assert transcription.bundled_model_path() == folder  # the second call only checks the size


def test_an_english_phone_answer_is_transcribed(english_answer):
    result = transcription.transcribe(english_answer, language="en", allowed_languages=["en"])
    assert share_of_key_words_heard(ENGLISH, result["text"]) >= 0.8, result["text"]
    assert result["quality"] == TranscriptQuality.GOOD and result["language"] == "en"
    assert result["segments"] and result["speech_seconds"] > 3
    words = [word for segment in result["segments"] for word in segment["words"]]
    assert "".join(word["word"] for word in words) == result["text"].replace(" ", "")  # a word may be "-Grace"
    assert all(segment["start"] <= word["start"] <= word["end"] <= segment["end"] + 0.5
               for segment in result["segments"] for word in segment["words"])


def test_a_french_phone_answer_is_transcribed():
    result = transcription.transcribe(phone_audio.synthesize_phone_answer(FRENCH, "fr"), language="fr", allowed_languages=["fr"])
    assert share_of_key_words_heard(FRENCH, result["text"]) >= 0.7, result["text"]
    assert result["quality"] in (TranscriptQuality.GOOD, TranscriptQuality.POOR) and result["language"] == "fr"


def test_silence_gives_an_empty_transcript():
    result = transcription.transcribe(phone_audio.silence_wav(2), language="fr", allowed_languages=["fr"])
    assert result["text"] == "" and result["segments"] == []
    assert result["quality"] == TranscriptQuality.EMPTY


def test_detection_keeps_to_the_allowed_languages(english_answer):
    result = transcription.transcribe(english_answer, allowed_languages=["fr", "en"])
    assert result["language"] == "en" and 0.5 < result["language_probability"] <= 1.0
    assert result["settings"]["language_forced"] is False
    assert share_of_key_words_heard(ENGLISH, result["text"]) >= 0.8


def interviewed(tenant, recruiter):
    candidate = consenting_candidate(position_with_questions(tenant, recruiter), recruiter)
    with time_machine.travel(WEEKDAY_MORNING, tick=False), tenant_context(tenant.pk):
        interview = services.schedule_interview(by=recruiter, candidate=candidate, persona="good")
    with tenant_context(tenant.pk):
        answers = list(Answer.objects.filter(interview_id=interview.pk).select_related("interview__script").order_by("question_index"))
        transcripts = {t.answer_id: t for t in Transcript.objects.filter(interview_id=interview.pk)}
    return answers, transcripts


def test_every_answer_of_a_simulated_interview_gets_a_transcript_of_what_was_said(tenant_a, recruiter_a):
    answers, transcripts = interviewed(tenant_a, recruiter_a)

    assert [answer.state for answer in answers] == [AnswerState.STORED] * 3
    persona = PERSONAS["good"]
    for number, answer in enumerate(answers, start=1):
        transcript = transcripts[answer.pk]
        said = persona.answer_text(question_text(answer.interview.script.questions[answer.question_index], "en"), "en", number)
        assert transcript.state == TranscriptState.DONE and transcript.error == ""
        assert share_of_key_words_heard(said, transcript.text) >= 0.6, (said, transcript.text)
        assert transcript.language == "en" and transcript.model.startswith("whisper-base")
        assert transcript.settings["initial_prompt"] is True  # English uses the question and skills
        assert transcript.settings["beam_size"] == 5 and transcript.settings["vad"] == transcription.VAD_PARAMETERS

    # Run twice: a done transcript is left as it is.
    with tenant_context(tenant_a.pk):
        before = Transcript.objects.get(answer_id=answers[0].pk).updated_at
    transcribe_answer_task.delay(str(tenant_a.pk), str(answers[0].pk))
    with tenant_context(tenant_a.pk):
        assert Transcript.objects.get(answer_id=answers[0].pk).updated_at == before
        assert Transcript.objects.filter(answer_id=answers[0].pk).count() == 1


def test_a_simulated_arabic_answer_keeps_its_words_as_the_transcript(tenant_a, recruiter_a):
    position = position_with_questions(tenant_a, recruiter_a)
    with tenant_context(tenant_a.pk):
        position.language = "ar"
        position.save(update_fields=["language"])
    candidate = consenting_candidate(position, recruiter_a)
    with time_machine.travel(WEEKDAY_MORNING, tick=False), tenant_context(tenant_a.pk):
        interview = services.schedule_interview(by=recruiter_a, candidate=candidate, persona="good")
    with tenant_context(tenant_a.pk):
        answers = list(Answer.objects.filter(interview_id=interview.pk))
        assert answers
        for answer in answers:
            transcript = answer.transcript
            assert transcript.state == TranscriptState.DONE and transcript.text == answer.simulated_text
            assert transcript.model == transcription.SIMULATOR_MODEL_NAME and transcript.quality == TranscriptQuality.GOOD
            assert "no offline voice" in transcript.settings["note"]


def test_a_failing_model_leaves_a_failed_transcript_with_its_reason_and_the_audio(tenant_a, recruiter_a, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("CUDA out of memory")

    monkeypatch.setattr(transcription, "transcribe", broken)
    answers, transcripts = interviewed(tenant_a, recruiter_a)

    assert len(transcripts) == len(answers) == 3
    for answer in answers:
        transcript = transcripts[answer.pk]
        assert transcript.state == TranscriptState.FAILED and transcript.text == ""
        assert transcript.error == "RuntimeError: CUDA out of memory"
        assert default_storage.exists(answer.storage_key)
