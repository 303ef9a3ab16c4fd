"""The simulated candidate's phone voice (Pico through sox), and the check every downloaded
recording passes before it is stored."""

import hashlib
import io
import os
import shutil
import struct
import sys
import types
import wave

import pytest

from interviews import phone_audio
from interviews.phone_audio import BadRecording, SpeechUnavailable, check_recording

ON_CI = bool(os.environ.get("CI"))
MAX_BYTES = 5 * 1024 * 1024
FRENCH_SHORT = "Oui, j'ai travaillé avec Django."
FRENCH_LONG = ("J'ai sept ans d'expérience en Python et Django, dans une équipe de six développeurs, et j'ai "
               "construit une API pour deux cents clients.")
ENGLISH_SHORT = "Yes, I have used Django."
ENGLISH_LONG = ("I have seven years of experience with Python and Django, in a team of six developers, and I "
                "built an API for two hundred customers.")
HTML_ERROR_PAGE = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


@pytest.fixture
def speech():
    """Skips when py-nanotts or sox is missing; on CI (the `CI` variable set) that fails instead."""
    reason = phone_audio.speech_unavailable_reason()
    if reason:
        if ON_CI:
            pytest.fail(f"CI runs the phone voice tests: {reason}")
        pytest.skip(reason)


def pcm_wav(*, seconds=0.5, sample_rate=16000):
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(b"\x01\x00" * int(seconds * sample_rate))
    return buffer.getvalue()


def riff(*chunks):
    body = b"WAVE" + b"".join(chunk_id + struct.pack("<I", len(payload)) + payload for chunk_id, payload in chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def fmt_chunk(format_code, *, channels=1, sample_rate=8000, bits=8):
    block_align = channels * bits // 8
    return b"fmt ", struct.pack("<HHIIHH", format_code, channels, sample_rate, sample_rate * block_align,
                                block_align, bits)


def mulaw_magnitudes(data, *, skip_seconds, seconds):
    """How far from silence each u-law sample of that stretch is (0 is silence, 127 the loudest)."""
    start = data.index(b"data") + 8 + int(skip_seconds * 8000)
    return [~byte & 0x7F for byte in data[start:start + int(seconds * 8000)]]


@pytest.mark.usefixtures("speech")
@pytest.mark.parametrize("language, short, long", [("fr", FRENCH_SHORT, FRENCH_LONG),
                                                    ("en", ENGLISH_SHORT, ENGLISH_LONG)])
def test_answer_is_a_phone_recording_whose_duration_grows_with_the_text(language, short, long):
    short_info = check_recording(phone_audio.synthesize_phone_answer(short, language), max_bytes=MAX_BYTES)
    long_info = check_recording(phone_audio.synthesize_phone_answer(long, language), max_bytes=MAX_BYTES)

    for info in (short_info, long_info):
        assert (info.format_code, info.channels, info.sample_rate, info.bits_per_sample) == (7, 1, 8000, 8)
    assert 1.5 < short_info.duration_seconds < long_info.duration_seconds < 20


@pytest.mark.usefixtures("speech")
def test_answer_has_half_a_second_of_silence_at_each_end():
    import py_nanotts

    spoken_seconds = len(py_nanotts.NanoTTS().speak(FRENCH_LONG, voice="fr-FR")) / 2 / 16000
    data = phone_audio.synthesize_phone_answer(FRENCH_LONG, "fr")
    info = check_recording(data, max_bytes=MAX_BYTES)

    assert info.duration_seconds == pytest.approx(spoken_seconds + 1.0, abs=0.01)
    assert max(mulaw_magnitudes(data, skip_seconds=0, seconds=0.4)) <= 2
    assert max(mulaw_magnitudes(data, skip_seconds=info.duration_seconds - 0.4, seconds=0.4)) <= 2
    assert max(mulaw_magnitudes(data, skip_seconds=0.5, seconds=info.duration_seconds - 1)) > 60


@pytest.mark.usefixtures("speech")
def test_the_same_text_gives_the_same_bytes():
    first = check_recording(phone_audio.synthesize_phone_answer(ENGLISH_LONG, "en"), max_bytes=MAX_BYTES)
    second = check_recording(phone_audio.synthesize_phone_answer(ENGLISH_LONG, "en"), max_bytes=MAX_BYTES)
    other = check_recording(phone_audio.synthesize_phone_answer(ENGLISH_SHORT, "en"), max_bytes=MAX_BYTES)

    assert first.sha256 == second.sha256 != other.sha256


@pytest.mark.usefixtures("speech")
def test_silence_is_a_phone_recording_of_silence():
    data = phone_audio.silence_wav(2)
    info = check_recording(data, max_bytes=MAX_BYTES)

    assert (info.format_code, info.channels, info.sample_rate, info.duration_seconds) == (7, 1, 8000, 2.0)
    assert max(mulaw_magnitudes(data, skip_seconds=0, seconds=2)) <= 2
    assert phone_audio.silence_wav(2) == data


def test_arabic_cannot_be_spoken_and_says_why():
    with pytest.raises(SpeechUnavailable, match="Arabic") as raised:
        phone_audio.synthesize_phone_answer("لدي خبرة 5 سنوات", "ar")
    assert raised.value.reason == str(raised.value)


@pytest.mark.usefixtures("speech")
def test_text_the_voice_cannot_say_is_refused_rather_than_silent():
    with pytest.raises(SpeechUnavailable, match="no sound"):
        phone_audio.synthesize_phone_answer("   ", "fr")


def test_missing_sox_is_explained(monkeypatch):
    monkeypatch.setitem(sys.modules, "py_nanotts", types.ModuleType("py_nanotts"))
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)

    reason = phone_audio.speech_unavailable_reason()

    assert "install sox (apt-get install sox)" in reason
    with pytest.raises(SpeechUnavailable, match="apt-get install sox"):
        phone_audio.synthesize_phone_answer(ENGLISH_SHORT, "en")
    with pytest.raises(SpeechUnavailable, match="apt-get install sox"):
        phone_audio.silence_wav(1)


def test_missing_voice_is_explained(monkeypatch):
    monkeypatch.setitem(sys.modules, "py_nanotts", None)  # makes `import py_nanotts` raise ImportError

    assert "`speech` extra" in phone_audio.speech_unavailable_reason()


def test_pcm_wav_written_by_wave_is_accepted():
    data = pcm_wav(seconds=0.5)

    info = check_recording(data, max_bytes=MAX_BYTES)

    assert info == phone_audio.RecordingInfo(format_code=phone_audio.PCM, channels=1, sample_rate=16000,
                                             bits_per_sample=16, duration_seconds=0.5, size_bytes=len(data),
                                             sha256=hashlib.sha256(data).hexdigest())


def test_a_law_and_u_law_are_accepted_and_chunks_after_the_audio_are_skipped():
    for format_code in (phone_audio.A_LAW, phone_audio.U_LAW):
        data = riff(fmt_chunk(format_code), (b"data", b"\xd5" * 4000), (b"LIST", b"INFOsoft"))

        info = check_recording(data, max_bytes=MAX_BYTES)

        assert (info.format_code, info.duration_seconds) == (format_code, 0.5)


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (HTML_ERROR_PAGE, "not a WAV"),
    (b'{"code": 20404, "message": "not found"}', "not a WAV"),
    (pcm_wav()[:30], "truncated"),
    (riff(fmt_chunk(phone_audio.PCM, bits=16)), "no audio data"),
    (riff((b"data", b"\x00" * 100)), "no audio format"),
    (riff(fmt_chunk(phone_audio.U_LAW), (b"data", b"\xff" * 100))[:-10], "truncated"),
    (riff(fmt_chunk(3, bits=32), (b"data", b"\x00" * 100)), "WAV format 3"),
    (riff(fmt_chunk(phone_audio.U_LAW, channels=0), (b"data", b"\xff" * 100)), "no channels"),
    (riff(fmt_chunk(phone_audio.U_LAW, sample_rate=0), (b"data", b"\xff" * 100)), "no sample rate"),
], ids=["empty", "html", "json", "truncated-header", "no-data-chunk", "no-fmt-chunk", "truncated-data",
        "float", "no-channels", "no-rate"])
def test_what_is_not_a_usable_recording_is_refused(data, reason):
    with pytest.raises(BadRecording, match=reason):
        check_recording(data, max_bytes=MAX_BYTES)


def test_a_recording_over_the_limit_is_refused():
    data = pcm_wav()

    assert check_recording(data, max_bytes=len(data)).size_bytes == len(data)
    with pytest.raises(BadRecording, match="larger than"):
        check_recording(data, max_bytes=len(data) - 1)
