"""Benchmark of transcription on phone-quality answers: word error rate per language, real-time
factor and peak memory of the Whisper model, for several decoding and voice-activity settings.

    .venv/bin/python bench/transcription.py [--quick] [--configs beam1,beam1-prompt,...]
                                            [--per-language N] [--cache DIR] [--json PATH]

The set is bench/transcription_set.py: 24 French and 24 English answers spoken by the simulator's
offline voice as a phone line records them (8 kHz u-law), some with line noise, a faster or slower
speaker, or an ending that trails off; the audio is cached, so a second run starts at once. The
model is loaded once (`interviews.transcription.get_model()`, the bundled base unless WHISPER_MODEL
names another; WHISPER_DEVICE=cuda and WHISPER_CPU_THREADS are read by the settings), then each
configuration transcribes the whole set through `interviews.transcription.transcribe`, the
language forced as the product forces the interview's language (or detected among fr/en), with
or without the initial prompt `_initial_prompt` builds (the question and the position's skills).

Printed per configuration and language: the corpus word error rate (bench/wer.py), the worst
answer's, empty and looping outputs, how many answers kept their last word, and the real-time
factor (time in `transcribe`, audio decoding included, over the audio's length); then the peak
resident memory of the process (ru_maxrss and VmHWM: the model runs in C++, out of tracemalloc's
sight). `--quick` runs 6 answers per language with two configurations.
"""

import argparse
import json
import logging
import os
import platform
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import transcription_set  # noqa: E402
import wer  # noqa: E402
from load import checkout_description, machine_description  # noqa: E402

PRODUCT_VAD = {"min_silence_duration_ms": 500, "speech_pad_ms": 400}
CALL_LANGUAGES = ("fr", "en")
TARGETS = {"fr": 0.15, "en": 0.08}
TARGET_RTF = 0.08


@dataclass(frozen=True)
class Config:
    name: str
    description: str
    beam_size: int = 1
    prompt: bool = False
    detect: bool = False
    vad: dict = field(default_factory=lambda: dict(PRODUCT_VAD))


CONFIGS = {config.name: config for config in (
    Config("beam1", "beam 1, language forced, no prompt"),
    Config("beam1-prompt", "beam 1, language forced, initial prompt", prompt=True),
    Config("beam5", "beam 5, language forced, no prompt", beam_size=5),
    Config("beam5-prompt", "beam 5, language forced, initial prompt", beam_size=5, prompt=True),
    Config("beam1-detect", "beam 1, language detected among fr/en, no prompt", detect=True),
    Config("beam1-pad600", "beam 1, no prompt, VAD speech_pad_ms 600", vad={**PRODUCT_VAD, "speech_pad_ms": 600}),
    Config("beam1-pad800", "beam 1, no prompt, VAD speech_pad_ms 800", vad={**PRODUCT_VAD, "speech_pad_ms": 800}),
    Config("beam1-silence1000", "beam 1, no prompt, VAD min_silence_duration_ms 1000",
           vad={**PRODUCT_VAD, "min_silence_duration_ms": 1000}),
    Config("beam1-prompt-pad800", "beam 1, initial prompt, VAD speech_pad_ms 800", prompt=True,
           vad={**PRODUCT_VAD, "speech_pad_ms": 800}),
    Config("beam5-prompt-pad600", "beam 5, initial prompt, VAD speech_pad_ms 600", beam_size=5, prompt=True,
           vad={**PRODUCT_VAD, "speech_pad_ms": 600}),
    Config("beam5-prompt-pad800", "beam 5, initial prompt, VAD speech_pad_ms 800", beam_size=5, prompt=True,
           vad={**PRODUCT_VAD, "speech_pad_ms": 800}),
)}
QUICK_CONFIGS = ("beam1", "beam1-prompt")


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aihm.settings")
    import django

    django.setup()


def peak_memory_mib():
    """(ru_maxrss, VmHWM) of this process in MiB: the peak resident size, C++ allocations included."""
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    hwm = None
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
    except OSError:
        pass
    return max_rss, hwm


def memory_line():
    max_rss, hwm = peak_memory_mib()
    return f"{max_rss:.0f} MiB ru_maxrss" + (f", {hwm:.0f} MiB VmHWM" if hwm is not None else "")


def initial_prompt(answer):
    """The prompt the product builds for this answer (`_initial_prompt`), from the question and skills."""
    from interviews.transcription import _initial_prompt

    interview = SimpleNamespace(language=answer.language, script=SimpleNamespace(questions=[answer.question]),
                                candidate=SimpleNamespace(position=SimpleNamespace(skills=list(answer.skills))))
    return _initial_prompt(interview, SimpleNamespace(question_index=0), lambda question, _language: question)


def run_config(config, answers, audio):
    """Transcribe every answer with `config`; one row per answer."""
    from django.test import override_settings

    from interviews import transcription

    rows = []
    saved_vad = transcription.VAD_PARAMETERS
    transcription.VAD_PARAMETERS = dict(config.vad)
    try:
        with override_settings(WHISPER_BEAM_SIZE=config.beam_size):
            for answer in answers:
                prompt = initial_prompt(answer) if config.prompt else ""
                started = time.perf_counter()
                result = transcription.transcribe(
                    audio[answer.key]["bytes"], language=None if config.detect else answer.language,
                    allowed_languages=CALL_LANGUAGES, initial_prompt=prompt)
                seconds = time.perf_counter() - started
                rows.append(measure(answer, result, seconds, audio[answer.key]["seconds"]))
    finally:
        transcription.VAD_PARAMETERS = saved_vad
    return rows


def measure(answer, result, seconds, audio_seconds):
    ref_words = wer.normalise(answer.text, answer.language)
    hyp_words = wer.normalise(result["text"], answer.language)
    substitutions, deletions, insertions = wer.word_errors(ref_words, hyp_words)
    loop = wer.repeated_run(hyp_words)
    return {
        "key": answer.key, "language": answer.language, "variant": answer.variant,
        "reference": answer.text, "hypothesis": result["text"], "detected": result["language"],
        "quality": result["quality"], "errors": substitutions + deletions + insertions,
        "substitutions": substitutions, "deletions": deletions, "insertions": insertions,
        "reference_words": len(ref_words), "empty": not hyp_words,
        "looping": bool(loop) and not wer.repeated_run(ref_words), "loop": " ".join(loop or ()),
        "ending_kept": wer.ending_kept(ref_words, hyp_words),
        "seconds": seconds, "audio_seconds": audio_seconds,
    }


def summarise(rows):
    """Corpus figures of a list of answer rows."""
    words = sum(row["reference_words"] for row in rows)
    worst = max(rows, key=lambda row: row["errors"] / max(row["reference_words"], 1))
    return {
        "answers": len(rows),
        "wer": sum(row["errors"] for row in rows) / words if words else 0.0,
        "worst_wer": worst["errors"] / max(worst["reference_words"], 1), "worst_key": worst["key"],
        "empty": sum(row["empty"] for row in rows), "looping": sum(row["looping"] for row in rows),
        "ending_kept": sum(row["ending_kept"] for row in rows),
        "trailing_kept": sum(row["ending_kept"] for row in rows if row["variant"] == "trailing"),
        "trailing": sum(row["variant"] == "trailing" for row in rows),
        "poor": sum(row["quality"] == "poor" for row in rows),
        "wrong_language": sum(row["detected"] != row["language"] for row in rows),
        "seconds": sum(row["seconds"] for row in rows),
        "audio_seconds": sum(row["audio_seconds"] for row in rows),
        "by_variant": {
            variant: sum(r["errors"] for r in rows if r["variant"] == variant)
            / max(sum(r["reference_words"] for r in rows if r["variant"] == variant), 1)
            for variant in dict.fromkeys(row["variant"] for row in rows)
        },
    }


def summary_line(language, figures):
    rtf = figures["seconds"] / figures["audio_seconds"]
    target = "" if figures["wer"] <= TARGETS[language] else f" (target <= {TARGETS[language]:.0%} missed)"
    return (f"  {language}: WER {figures['wer']:6.1%}{target}, worst {figures['worst_wer']:.1%} ({figures['worst_key']}), "
            f"empty {figures['empty']}, looping {figures['looping']}, ending kept {figures['ending_kept']}/{figures['answers']} "
            f"(trailing off {figures['trailing_kept']}/{figures['trailing']}), poor {figures['poor']}, "
            f"wrong language {figures['wrong_language']}, RTF {rtf:.3f} ({figures['seconds']:.1f} s for "
            f"{figures['audio_seconds']:.0f} s of audio)")


def table(results):
    """One Markdown row per configuration and language, for bench/README.md."""
    lines = ["| config | lang | WER | worst | empty | looping | ending kept | RTF |", "|---|---|---|---|---|---|---|---|"]
    for name, by_language in results.items():
        for language, figures in by_language.items():
            lines.append(f"| {name} | {language} | {figures['wer']:.1%} | {figures['worst_wer']:.1%} | {figures['empty']} | "
                         f"{figures['looping']} | {figures['ending_kept']}/{figures['answers']} | "
                         f"{figures['seconds'] / figures['audio_seconds']:.3f} |")
    return "\n".join(lines)


def best_per_language(results):
    """Per language, the configuration with the lowest WER (then the lowest RTF)."""
    best = {}
    for language in CALL_LANGUAGES:
        ranked = sorted(
            ((figures["wer"], figures["seconds"] / figures["audio_seconds"], name)
             for name, by_language in results.items() for lang, figures in by_language.items() if lang == language))
        if ranked:
            best[language] = ranked[0]
    return best


def parse_options(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"6 answers a language, configurations {', '.join(QUICK_CONFIGS)}")
    parser.add_argument("--configs", help=f"comma-separated, among: {', '.join(CONFIGS)} (default all)")
    parser.add_argument("--per-language", type=int, help="the first N answers of each language (default all 24)")
    parser.add_argument("--cache", help="folder of the synthesized answers (default AIHM_VAR_DIR/bench/transcription or /tmp)")
    parser.add_argument("--json", help="write every answer's reference, transcript and figures to this file")
    options = parser.parse_args(argv)
    names = options.configs.replace(" ", ",").split(",") if options.configs else (QUICK_CONFIGS if options.quick else list(CONFIGS))
    names = [name for name in names if name]
    unknown = [name for name in names if name not in CONFIGS]
    if unknown:
        parser.error(f"unknown configuration(s): {', '.join(unknown)}; known: {', '.join(CONFIGS)}")
    options.config_names = names
    if options.per_language is None:
        options.per_language = 6 if options.quick else None
    elif options.per_language < 1:
        parser.error("--per-language must be at least 1")
    return options


def main(argv=None):
    options = parse_options(argv)
    began = time.perf_counter()
    setup_django()
    logging.getLogger("faster_whisper").setLevel(logging.WARNING)
    from interviews import phone_audio, transcription

    if transcription.VAD_PARAMETERS != PRODUCT_VAD:
        print(f"Note: the product's VAD_PARAMETERS are now {transcription.VAD_PARAMETERS}; the VAD variants change "
              f"{PRODUCT_VAD} as written here.")
    print(f"Checkout: {checkout_description(ROOT)}")
    print(f"Machine: {machine_description()}, Python {platform.python_version()}, load average "
          f"{os.getloadavg()[0]:.2f} before the run")
    if os.getloadavg()[0] > 1.5:
        print("Warning: the machine is busy; the timings will be noisy.")

    answers = transcription_set.answer_set(per_language=options.per_language)
    started = time.perf_counter()
    audio = {}
    for answer in answers:
        data = transcription_set.phone_audio_for(answer, options.cache)
        audio[answer.key] = {"bytes": data, "seconds": phone_audio.check_recording(data, max_bytes=1 << 30).duration_seconds}
    counts = {language: sum(answer.language == language for answer in answers) for language in CALL_LANGUAGES}
    total_audio = sum(item["seconds"] for item in audio.values())
    print(f"Set: {counts['fr']} French and {counts['en']} English answers, {total_audio:.0f} s of 8 kHz u-law audio "
          f"({total_audio / len(answers):.1f} s on average), ready in {time.perf_counter() - started:.1f} s "
          f"(cache {options.cache or transcription_set.default_cache_dir()})")

    print(f"Peak memory before the model: {memory_line()}")
    started = time.perf_counter()
    transcription.get_model()
    chosen = transcription.model_settings()
    print(f"Model: {chosen['model']} on {chosen['device']} ({chosen['compute_type']}, {chosen['cpu_threads']} CPU threads), "
          f"loaded in {time.perf_counter() - started:.1f} s; peak memory now {memory_line()}")
    transcription.transcribe(audio[answers[0].key]["bytes"], language=answers[0].language)  # warm-up, untimed

    results, details = {}, {}
    for name in options.config_names:
        config = CONFIGS[name]
        rows = run_config(config, answers, audio)
        details[name] = rows
        results[name] = {language: summarise([row for row in rows if row["language"] == language])
                         for language in CALL_LANGUAGES if counts[language]}
        print(f"\n{name}: {config.description} (VAD {config.vad})")
        for language, figures in results[name].items():
            print(summary_line(language, figures))
            print("      WER by variant: " + ", ".join(f"{variant} {value:.1%}" for variant, value in figures["by_variant"].items()))
        for row in rows:
            if row["looping"] or row["empty"]:
                print(f"      {row['key']}: {'empty' if row['empty'] else 'looping on ' + repr(row['loop'])}")
        print(f"  peak memory so far: {memory_line()}", flush=True)
        if options.json:
            Path(options.json).write_text(json.dumps({"results": results, "answers": details}, indent=1, ensure_ascii=False))

    print("\n" + table(results))
    for language, (error_rate, rtf, name) in best_per_language(results).items():
        print(f"best for {language}: {name} (WER {error_rate:.1%}, RTF {rtf:.3f})")
    rtfs = [figures["seconds"] / figures["audio_seconds"] for by_language in results.values() for figures in by_language.values()]
    print(f"RTF target <= {TARGET_RTF} on {chosen['cpu_threads']} threads: "
          f"{'met' if max(rtfs) <= TARGET_RTF else 'missed'} by the slowest configuration ({max(rtfs):.3f})")
    print(f"Peak memory of the run: {memory_line()}")
    print(f"({time.perf_counter() - began:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
