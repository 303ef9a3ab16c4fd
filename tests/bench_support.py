"""What the benchmark tests share: the checkout's root, and a module of `bench/` loaded by path
(`bench/` is a folder of scripts, not a package)."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_bench_module(name, filename):
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / filename)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
