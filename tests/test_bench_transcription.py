"""The transcription benchmark's word error rate (bench/wer.py) normalises French and English
alike on both sides, and its set of spoken answers (bench/transcription_set.py) is fixed and
large enough; the benchmark itself is run by hand (bench/README.md), not by the suite."""

import pytest

from interviews import phone_audio
from tests.bench_support import load_bench_module


@pytest.fixture(scope="module")
def wer():
    return load_bench_module("bench_wer", "wer.py")


@pytest.fixture(scope="module")
def answer_set():
    return load_bench_module("bench_transcription_set", "transcription_set.py")


@pytest.mark.parametrize(("text", "language", "words"), [
    ("J'ai vingt-cinq ans, depuis deux mille dix-neuf.", "fr", ["j", "ai", "25", "ans", "depuis", "2019"]),
    ("soixante-dix-sept, quatre-vingt-dix-neuf, soixante et onze, vingt et un", "fr", ["77", "99", "71", "21"]),
    ("30 000 €, trente mille euros, 40 pour cent, 40 %", "fr", ["30000", "euros", "30000", "euros", "40", "%", "40", "%"]),
    ("Euh, de 2h à l'équipe", "fr", ["de", "2", "heures", "à", "l", "équipe"]),
    ("Twenty five years since twenty nineteen", "en", ["25", "years", "since", "2019"]),
    ("Um, I'm asking $60,000, 12 percent, two hundred and five", "en",
     ["im", "asking", "60000", "dollars", "12", "%", "205"]),
    ("end-to-end, Node.js", "en", ["end", "to", "end", "node", "js"]),
])
def test_normalisation_makes_spoken_and_written_forms_comparable(wer, text, language, words):
    assert wer.normalise(text, language) == words


def test_accents_are_kept_and_case_ignored(wer):
    assert wer.normalise("Été DÉVELOPPEUR", "fr") == ["été", "développeur"]
    assert wer.wer("été", "ete", "fr") == 1.0


@pytest.mark.parametrize(("reference", "hypothesis", "language", "expected"), [
    ("I have five years", "I have 5 years", "en", 0.0),
    ("I have five years", "I have 5 years of", "en", 0.25),
    ("a b c d", "a x c", "en", 0.5),
    ("J'ai vingt-cinq ans", "J'ai 25 ans.", "fr", 0.0),
    ("", "", "en", 0.0),
    ("hello", "", "en", 1.0),
])
def test_word_error_rate_of_known_pairs(wer, reference, hypothesis, language, expected):
    assert wer.wer(reference, hypothesis, language) == pytest.approx(expected)


def test_looping_and_lost_endings_are_seen(wer):
    assert wer.repeated_run("je pense que je pense que je pense que".split()) == ("je", "pense", "que")
    assert wer.repeated_run("a b c a b c".split()) is None
    said = "commencer début avril".split()
    assert wer.ending_kept(said, "commencer début à viril".split())  # misheard, not lost
    assert not wer.ending_kept(said, "commencer".split())


def test_the_set_is_fixed_and_has_enough_answers_per_language(answer_set):
    first, second = answer_set.answer_set(), answer_set.answer_set()
    assert first == second
    assert len({answer.key for answer in first}) == len(first)
    for language in ("fr", "en"):
        answers = [answer for answer in first if answer.language == language]
        assert len(answers) >= 20
        assert all(15 <= len(answer.text.split()) <= 60 and answer.question and answer.skills for answer in answers)
        assert {"noise", "fast", "slow", "trailing"} <= {answer.variant for answer in answers}


@pytest.mark.skipif(phone_audio.speech_unavailable_reason() is not None, reason="needs the offline voice and sox")
def test_each_answer_is_spoken_as_phone_audio_once_then_read_from_the_cache(answer_set, tmp_path):
    answers = answer_set.answer_set()
    noisy = next(answer for answer in answers if answer.variant == "noise")
    for answer in (answers[0], noisy):
        made = answer_set.phone_audio_for(answer, tmp_path / "one")
        assert answer_set.phone_audio_for(answer, tmp_path / "one") == made
        # The offline voice is not byte-for-byte repeatable; a second synthesis is the same speech.
        again = answer_set.phone_audio_for(answer, tmp_path / "two")
        info, other = (phone_audio.check_recording(data, max_bytes=1 << 24) for data in (made, again))
        assert (info.format_code, info.sample_rate, info.channels) == (phone_audio.U_LAW, 8000, 1)
        assert abs(info.duration_seconds - other.duration_seconds) <= 0.2 * info.duration_seconds
