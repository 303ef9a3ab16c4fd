"""Phone-quality audio: the simulated candidate's voice, and the check every downloaded recording
passes before it is stored.

The voice is SVOX Pico (the optional `speech` extra, py-nanotts) turned into what a phone line
records by sox: 8 kHz mono u-law, band-limited to 300-3400 Hz, with 0.5 s of silence at each end
(without it Whisper drops the first words at 8 kHz). sox dithers when it writes u-law; `-R`
seeds that dither, so the same input gives the same bytes; py-nanotts itself is not byte-for-byte
repeatable from one run to the next (the words and their timing are the same), which is why the
transcription benchmark caches the audio it synthesizes.
"""

import hashlib
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext, gettext_lazy

VOICES = {"fr": "fr-FR", "en": "en-US"}
PCM, A_LAW, U_LAW, EXTENSIBLE = 1, 6, 7, 0xFFFE
ACCEPTED_FORMATS = {PCM, A_LAW, U_LAW}
SOX_TIMEOUT_SECONDS = 60
# The phone line measured in DESIGN.md: `sox in -r 8000 -c 1 -e u-law out.wav sinc 300-3400 pad 0.5 0.5`.
PHONE_OUTPUT = ["-r", "8000", "-c", "1", "-e", "u-law"]
PHONE_EFFECTS = ["sinc", "300-3400", "pad", "0.5", "0.5"]
NANOTTS_RAW_INPUT = ["-t", "raw", "-r", "16000", "-e", "signed", "-b", "16", "-c", "1"]
VOICE_MISSING = gettext_lazy("The offline voice is missing: install the project's `speech` extra.")
SOX_MISSING = gettext_lazy("sox is missing: install sox (apt-get install sox).")


class SpeechUnavailable(Exception):
    """The simulator cannot speak this answer; the message says why, for a person to read."""

    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = str(reason)


class BadRecording(Exception):
    """A downloaded recording is not audio this product can store and transcribe."""

    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = str(reason)


@dataclass(frozen=True)
class RecordingInfo:
    format_code: int
    channels: int
    sample_rate: int
    bits_per_sample: int
    duration_seconds: float
    size_bytes: int
    sha256: str


def speech_unavailable_reason():
    """None when the simulator can speak; otherwise a sentence saying what to install."""
    try:
        import py_nanotts  # noqa: F401
    except ImportError:
        return str(VOICE_MISSING)
    if shutil.which("sox") is None:
        return str(SOX_MISSING)
    return None


def synthesize_phone_answer(text, language):
    """Speak `text` in `language` ("fr" or "en") as a phone line would record it: WAV bytes."""
    if language == "ar":
        raise SpeechUnavailable(gettext("No offline Arabic voice exists: Arabic answers stay text-only."))
    if language not in VOICES:
        raise SpeechUnavailable(gettext("No offline voice speaks %(language)s.") % {"language": language})
    reason = speech_unavailable_reason()
    if reason:
        raise SpeechUnavailable(reason)
    import py_nanotts

    pcm = py_nanotts.NanoTTS().speak(text, voice=VOICES[language])
    if not pcm:
        raise SpeechUnavailable(gettext("The offline voice produced no sound for this text."))
    with tempfile.TemporaryDirectory(prefix="aihm-voice-") as folder:
        raw, wav = Path(folder, "answer.raw"), Path(folder, "answer.wav")
        raw.write_bytes(pcm)
        _sox([*NANOTTS_RAW_INPUT, str(raw), *PHONE_OUTPUT, str(wav), *PHONE_EFFECTS])
        return wav.read_bytes()


def silence_wav(seconds):
    """A phone-format recording of `seconds` of silence: what the silent candidate says."""
    if seconds <= 0:
        raise ValueError("silence lasts a positive number of seconds")
    with tempfile.TemporaryDirectory(prefix="aihm-voice-") as folder:
        wav = Path(folder, "silence.wav")
        _sox(["-n", *PHONE_OUTPUT, str(wav), "trim", "0", f"{float(seconds):.3f}"])
        return wav.read_bytes()


def _sox(arguments):
    """Run sox in repeatable mode (`-R`: seeded dither), so that the same input gives the same bytes."""
    sox = shutil.which("sox")
    if sox is None:
        raise SpeechUnavailable(SOX_MISSING)
    try:
        subprocess.run([sox, "-R", "-q", *arguments], check=True, capture_output=True, timeout=SOX_TIMEOUT_SECONDS)
    except OSError as error:
        raise SpeechUnavailable(gettext("sox could not start: %(detail)s") % {"detail": error.strerror}) from None
    except subprocess.TimeoutExpired:
        raise SpeechUnavailable(gettext("sox took too long to convert the answer.")) from None
    except subprocess.CalledProcessError as error:
        detail = error.stderr.decode(errors="replace").strip()[:200]
        raise SpeechUnavailable(gettext("sox could not convert the answer: %(detail)s") % {"detail": detail}) from None


def check_recording(data, *, max_bytes):
    """Refuse anything but a complete RIFF/WAVE file in PCM, A-law or u-law; describe what passes.

    The chunks are read by hand because Python's `wave` module refuses u-law, the phone format.
    """
    if not data:
        raise BadRecording(gettext("The recording is empty."))
    if len(data) > max_bytes:
        raise BadRecording(gettext("The recording is larger than %(max_bytes)s bytes.") % {"max_bytes": max_bytes})
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise BadRecording(gettext("The recording is not a WAV file."))
    fmt = audio_bytes = None
    offset = 12
    while offset + 8 <= len(data):
        chunk_id, chunk_size = struct.unpack_from("<4sI", data, offset)
        if offset + 8 + chunk_size > len(data):
            raise BadRecording(gettext("The recording is truncated."))
        if chunk_id == b"fmt ":
            fmt = data[offset + 8:offset + 8 + chunk_size]
        elif chunk_id == b"data":
            audio_bytes = chunk_size
        offset += 8 + chunk_size + (chunk_size % 2)
    if fmt is None or len(fmt) < 16:
        raise BadRecording(gettext("The recording has no audio format chunk."))
    if audio_bytes is None:
        raise BadRecording(gettext("The recording has no audio data chunk."))

    format_code, channels, sample_rate, _byte_rate, block_align, bits = struct.unpack_from("<HHIIHH", fmt)
    if format_code == EXTENSIBLE and len(fmt) >= 26:
        format_code = struct.unpack_from("<H", fmt, 24)[0]  # the sub-format GUID starts with the code
    if format_code not in ACCEPTED_FORMATS:
        raise BadRecording(gettext("The recording's encoding (WAV format %(code)s) is not supported.")
                           % {"code": format_code})
    if not channels or not sample_rate:
        raise BadRecording(gettext("The recording declares no channels or no sample rate."))
    frame_bytes = block_align or channels * bits // 8
    if not frame_bytes:
        raise BadRecording(gettext("The recording declares no sample size."))
    return RecordingInfo(
        format_code=format_code,
        channels=channels,
        sample_rate=sample_rate,
        bits_per_sample=bits,
        duration_seconds=round(audio_bytes / frame_bytes / sample_rate, 3),
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
