"""Benchmark of the offline CV scorer: 100 CVs, minimised then scored, no database, no network.

    .venv/bin/python bench/score_cvs.py [--count 100] [--with-extraction] [--scale N]

Cycles over the fixture CVs of tests/fixtures/cvs (each against the demo position it was written
for, and the other positions in turn), and prints CVs per second and peak memory: the Python
heap peak measured by tracemalloc during a second, traced pass, and the process's peak resident
size (resource.getrusage ru_maxrss, which includes Django and the libraries).
"""

import argparse
import json
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "cvs"


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aihm.settings")
    import django

    django.setup()


def load_jobs(count):
    """(file bytes, file name, person, position) for `count` scorings, cycling over the fixtures."""
    manifest = json.loads((FIXTURES / "cvs.json").read_text(encoding="utf-8"))
    positions = {key: SimpleNamespace(**values) for key, values in manifest["positions"].items()}
    keys = sorted(positions)
    pairs = []
    for round_number in range(len(keys)):
        for person in manifest["cvs"]:
            own = keys.index(person["position"])
            pairs.append((person, positions[keys[(own + round_number) % len(keys)]]))
    return [
        ((FIXTURES / person["file"]).read_bytes(), person["file"], person, position)
        for person, position in (pairs[i % len(pairs)] for i in range(count))
    ]


def run(jobs, texts, with_extraction):
    from recruiting.cv import read_cv_bytes
    from recruiting.minimise import minimise_cv_text
    from recruiting.scoring import position_inputs, score_offline, scoring_requirements

    scores = []
    for data, file_name, person, position in jobs:
        text = read_cv_bytes(data, file_name)[0].text if with_extraction else texts[file_name]
        cv_text = minimise_cv_text(text, full_name=person["full_name"], email=person["email"], phone=person["phone"])
        requirements, _ignored = scoring_requirements(position)
        result = score_offline(position_inputs(position, requirements), {"cv": cv_text})
        scores.append(result["overall_score"])
    return scores


def clear_caches():
    from recruiting import minimise, scoring

    scoring.requirement_concepts.cache_clear()
    scoring._PATTERN_CACHE.clear()
    minimise._accented_variants.cache_clear()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100, help="how many CVs to score (default 100)")
    parser.add_argument("--with-extraction", action="store_true", help="also time PDF/DOCX text extraction")
    parser.add_argument("--scale", type=int, default=1, help="repeat each CV's text N times, for longer CVs")
    options = parser.parse_args()

    setup_django()
    from recruiting.cv import read_cv_bytes

    jobs = load_jobs(options.count)
    texts = {name: "\n".join([read_cv_bytes(data, name)[0].text] * options.scale) for data, name, _person, _position in jobs}
    if options.scale > 1 and options.with_extraction:
        parser.error("--scale applies to the extracted text; use it without --with-extraction")

    clear_caches()
    started = time.perf_counter()
    scores = run(jobs, texts, options.with_extraction)
    elapsed = time.perf_counter() - started

    clear_caches()
    tracemalloc.start()
    run(jobs, texts, options.with_extraction)
    _current, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    max_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    words = sum(len(texts[name].split()) for _data, name, _person, _position in jobs)
    print(f"scored {len(scores)} CVs ({len(set(texts))} distinct fixtures, {words / len(jobs):.0f} words on average)"
          f"{' including text extraction' if options.with_extraction else ''}")
    print(f"time: {elapsed:.3f} s, {len(scores) / elapsed:.1f} CVs per second, {1000 * elapsed / len(scores):.2f} ms per CV")
    print(f"peak memory: {traced_peak / 1024 / 1024:.2f} MiB traced by tracemalloc during scoring, "
          f"{max_rss_kib / 1024:.1f} MiB peak resident (ru_maxrss, whole process)")
    print(f"scores: min {min(scores)}, median {sorted(scores)[len(scores) // 2]}, max {max(scores)}")


if __name__ == "__main__":
    main()
