"""Performance benchmarks (`vstream bench …`). Each prints one JSON object; targets are compared
as ratios measured in the same run, never as absolute timings (these machines are noisy)."""

from __future__ import annotations

import importlib

_BENCHES = {"ingest": "eval.bench.ingest", "encode": "eval.bench.encode", "memory": "eval.bench.memory", "respond": "eval.bench.respond"}


def run_bench(what: str, args) -> dict:
    module = importlib.import_module(_BENCHES[what])
    return module.run(args)
