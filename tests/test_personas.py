"""The simulator's candidates: each behaviour the call flow must meet, and answers that are
deterministic, in the interview's language, and substantial only for the good candidate."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from interviews.personas import DEFAULT_PERSONA, PERSONAS, persona_choices

CODES = {"good", "weak", "silent", "hangs_up", "voicemail", "busy", "no_answer", "declines", "callback"}
QUESTIONS = [
    "Parlez-moi de votre expérience avec Python et Django.",
    "Comment travaillez-vous en équipe ?",
    "How do you handle an unhappy customer?",
    "What are your salary expectations?",
    "Quand êtes-vous disponible pour commencer ?",
    "Pourquoi ce poste vous intéresse-t-il ?",
    "ما هي خبرتك في العمل مع العملاء؟",
]
FRENCH_MARKERS = {"je", "j'ai", "de", "et", "une", "mon", "suis", "euh", "bof", "ça", "oui"}
ENGLISH_MARKERS = {"i", "the", "and", "my", "of", "uh", "hmm", "well", "yes"}
ARABIC_LETTER = re.compile(r"[\u0600-\u06FF]")
TOOLS = {"Python", "Django", "PostgreSQL", "Celery", "pandas", "pytest", "Scrum", "Jira", "Git", "Docker"}


def words(text):
    return set(re.findall(r"[\w']+", text.casefold()))


def test_every_persona_exists_with_a_label_and_a_description():
    assert set(PERSONAS) == CODES
    assert DEFAULT_PERSONA == "good"
    assert [code for code, _label in persona_choices()] == list(PERSONAS)
    for code, persona in PERSONAS.items():
        assert persona.code == code
        assert str(persona.label) and str(persona.description).endswith(".")


def test_each_persona_behaves_as_its_name_says():
    good, callback = PERSONAS["good"], PERSONAS["callback"]

    assert (good.answers_call, good.busy, good.voicemail, good.confirm_digit) == (True, False, False, "1")
    assert not PERSONAS["no_answer"].answers_call and not PERSONAS["no_answer"].busy
    assert PERSONAS["busy"].busy and not PERSONAS["busy"].answers_call
    assert PERSONAS["voicemail"].voicemail and PERSONAS["voicemail"].confirm_digit is None
    assert PERSONAS["declines"].confirm_digit == "2"
    assert (callback.confirm_digit, callback.callback_choice) == ("3", "1")
    assert PERSONAS["silent"].confirm_digit == "1" and PERSONAS["silent"].answer_text(QUESTIONS[0], "fr", 1) == ""


def test_hangs_up_after_half_the_questions_rounded_down_and_at_least_one():
    hangs_up = PERSONAS["hangs_up"]

    assert [hangs_up.hangs_up_after(total) for total in (1, 2, 4, 5, 6)] == [1, 1, 2, 2, 3]
    assert PERSONAS["good"].hangs_up_after(5) is None


@pytest.mark.parametrize("language", ["fr", "en", "ar"])
def test_good_answers_are_long_and_concrete_weak_ones_short_and_vague(language):
    for number, question in enumerate(QUESTIONS, start=1):
        good = PERSONAS["good"].answer_text(question, language, number)
        weak = PERSONAS["weak"].answer_text(question, language, number)

        assert len(good.split()) >= 15 and len(weak.split()) <= 8
        assert len(good.split()) > 2 * len(weak.split())
        assert re.search(r"\d", good), good
        assert not re.search(r"\d", weak)


def test_good_answers_follow_the_question():
    good = PERSONAS["good"]

    assert {"Python", "Django"} <= set(good.answer_text(QUESTIONS[0], "en", 1).replace(",", " ").split())
    assert "salary" in good.answer_text(QUESTIONS[3], "en", 4)
    assert "préavis" in good.answer_text(QUESTIONS[4], "fr", 5)
    assert "équipe" in good.answer_text(QUESTIONS[1], "fr", 2)
    assert "عميل" in good.answer_text(QUESTIONS[6], "ar", 7)
    generic = [good.answer_text("Pourquoi ce poste ?", "fr", number) for number in range(1, 9)]
    assert any(TOOLS & set(re.findall(r"\w+", answer)) for answer in generic)


@pytest.mark.parametrize("code", ["good", "weak", "hangs_up"])
def test_answers_are_in_the_interview_language(code):
    persona = PERSONAS[code]
    for number, question in enumerate(QUESTIONS, start=1):
        french = persona.answer_text(question, "fr", number)
        english = persona.answer_text(question, "en", number)
        arabic = persona.answer_text(question, "ar", number)

        assert words(french) & FRENCH_MARKERS and not words(french) & ENGLISH_MARKERS, french
        assert words(english) & ENGLISH_MARKERS and not words(english) & FRENCH_MARKERS, english
        assert not ARABIC_LETTER.search(french + english)
        letters = [char for char in arabic if char.isalpha()]
        assert sum(bool(ARABIC_LETTER.match(char)) for char in letters) > 0.6 * len(letters), arabic


def test_answers_are_deterministic_even_across_processes():
    """The same inputs give the same text, whatever PYTHONHASHSEED: nothing relies on `hash()`."""
    script = ("from interviews.personas import PERSONAS\n"
              f"for number, question in enumerate({QUESTIONS!r}, start=1):\n"
              "    for language in ('fr', 'en', 'ar'):\n"
              "        print(PERSONAS['good'].answer_text(question, language, number))\n"
              "        print(PERSONAS['weak'].answer_text(question, language, number))\n")
    root = Path(__file__).resolve().parent.parent
    outputs = [subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True,
                              env={"PYTHONHASHSEED": seed, "PYTHONIOENCODING": "utf-8"}, timeout=60).stdout
               for seed in ("1", "2")]

    assert outputs[0] == outputs[1]
    expected = [PERSONAS[code].answer_text(question, language, number)
                for number, question in enumerate(QUESTIONS, start=1)
                for language in ("fr", "en", "ar") for code in ("good", "weak")]
    assert outputs[0].splitlines() == expected


def test_the_question_number_varies_the_answer_but_not_its_topic():
    good = PERSONAS["good"]
    answers = {good.answer_text("Parlez-moi de votre équipe.", "fr", number) for number in range(1, 9)}

    assert len(answers) > 1
    assert all("équipe" in answer for answer in answers)


def test_a_language_without_answers_is_refused():
    with pytest.raises(ValueError, match="de"):
        PERSONAS["good"].answer_text(QUESTIONS[0], "de", 1)
