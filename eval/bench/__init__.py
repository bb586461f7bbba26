"""Performance benchmarks (`vstream bench …`). Each prints one JSON object; targets are compared
as ratios measured in the same run, never as absolute timings (these machines are noisy)."""

from __future__ import annotations

from eval.bench import asr, cameras, detect, encode, ingest, memory, respond, soak

_BENCHES = {"ingest": ingest.run, "encode": encode.run, "memory": memory.run, "respond": respond.run,
            "asr": asr.run_asr_bench, "detect": detect.run, "soak": soak.run, "cameras": cameras.run}
NAMES = tuple(_BENCHES)


def run_bench(what: str, args) -> dict:
    return _BENCHES[what](args)
