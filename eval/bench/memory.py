"""`vstream bench memory`: bounded memory over a long stream, retrieval latency at scale, and
payload compression.

Targets (issue 4): 2 h of vtest.avi looped (lite, --speed max, 64 MB budget): memory_bytes ≤
budget throughout, process RSS at 2 h within 10% of RSS at 10 min; retrieval p50 < 20 ms at
100k entries; int8 payloads ≤ 0.27x fp32 bytes with cosine ≥ 0.99."""

from __future__ import annotations

import statistics
import tempfile
import time

import numpy as np
import psutil

from eval.bench.common import media_file
from memory.quant import Codec, pack, unpack
from memory.records import Evidence, EvidenceKind, MemoryEntry
from retrieval.embedder import default_embedder
from retrieval.index import VectorIndex
from retrieval.retriever import Retriever
from vstream.config import Config, EncoderConfig, MemoryConfig, SourceConfig
from vstream.ingest import Ingest
from vstream.session import open_ingest


def long_stream(path: str, hours: float, budget_mb: float) -> dict:
    proc = psutil.Process()
    samples: list[dict] = []
    with tempfile.TemporaryDirectory() as d:
        cfg = Config(source=SourceConfig(source=path, speed="max", fps=2, loop=True), encoder=EncoderConfig(),
                     memory=MemoryConfig(budget_mb=budget_mb))
        ing = open_ingest(cfg, d)
        over = {"max_bytes": 0, "violations": 0}
        marks = [600.0] + [h * 3600.0 for h in np.arange(0.5, hours + 1e-9, 0.5)]
        stop_at = hours * 3600.0

        def watch(enc):
            b = ing.memory.total_bytes
            over["max_bytes"] = max(over["max_bytes"], b)
            over["violations"] += int(b > cfg.memory.budget_bytes)
            if marks and enc.frame_ts >= marks[0]:
                samples.append({"stream_s": marks.pop(0), "rss_mb": round(proc.memory_info().rss / 2**20, 1),
                                "memory_bytes": b, "entries": len(ing.memory.entries()),
                                "disk_mb": round(ing.memory.store.blobs.disk_bytes() / 2**20, 1)})
            if enc.frame_ts >= stop_at:
                ing.stop()

        t0 = time.monotonic()
        report = ing.run(on_frame=watch)
        wall = time.monotonic() - t0
        ing.memory.close()
    rss10 = samples[0]["rss_mb"] if samples else None
    rss_end = samples[-1]["rss_mb"] if samples else None
    return {"stream_hours": round(report.stream_s / 3600, 3), "wall_s": round(wall, 1), "budget_bytes": cfg.memory.budget_bytes,
            "max_memory_bytes": over["max_bytes"], "budget_violations": over["violations"], "merges": report.extra.get("merges"),
            "levels": report.extra.get("levels"), "samples": samples,
            "rss_ratio_end_vs_10min": round(rss_end / rss10, 3) if rss10 else None}


def retrieval_latency(n: int, queries: int = 50) -> dict:
    """A memory view of n entries with real MiniLM text vectors (from a small pool of texts,
    jittered) and 1280-d visual vectors; timed end to end: embed the question + search + mix."""
    rng = np.random.default_rng(0)
    emb = default_embedder()
    pool = emb.embed([f"SIGN {i}" for i in range(256)])
    which = rng.integers(0, 256, n)
    text = pool[which] + rng.normal(0, 0.02, (n, emb.dim)).astype(np.float32)
    text /= np.linalg.norm(text, axis=1, keepdims=True)

    class View:
        embedder = emb
        evidence_index = VectorIndex(emb.dim)
        visual_index = VectorIndex(1280)
        _entries = [MemoryEntry(i, 2, i * 0.5, i * 0.5 + 0.5, np.zeros(1, np.float32), "", 0) for i in range(n)]
        _evidence = [Evidence(EvidenceKind.TEXT, i * 0.5, i * 0.5 + 0.5, f"SIGN {which[i]}", entry_id=i, id=i)
                     for i in range(n)]

        def entries(self):
            return self._entries

        def evidence(self, kind=None):
            return self._evidence

    view = View()
    view.evidence_index.add(np.arange(n), text)
    vis = rng.normal(size=(n, 1280)).astype(np.float32)
    view.visual_index.add(np.arange(n), vis / np.linalg.norm(vis, axis=1, keepdims=True))
    r = Retriever(view)
    qs = [f"when did the sign say SIGN {i}?" for i in rng.integers(0, 256, queries)]
    times, faiss_times = [], []
    for q in qs:
        t0 = time.perf_counter()
        r.search(q, k=8)
        times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        view.evidence_index.search(text[0], 32)
        faiss_times.append(time.perf_counter() - t0)
    return {"entries": n, "retrieval_p50_ms": round(1000 * statistics.median(times), 2),
            "retrieval_p95_ms": round(1000 * float(np.percentile(times, 95)), 2),
            "faiss_text_search_p50_ms": round(1000 * statistics.median(faiss_times), 2)}


def compression(path: str) -> dict:
    frames: list = []
    Ingest(Config(source=SourceConfig(source=path, speed="max", fps=2), encoder=EncoderConfig(ocr=False))).run(
        on_frame=lambda e: frames.append(e) if len(frames) < 40 else None)
    ratios, sims = [], []
    for e in frames:
        x = e.tokens[e.kept].numpy() if e.kept.any() else e.tokens.numpy()
        p = pack(x, Codec.INT8)
        y = unpack(p)
        ratios.append(p.nbytes / x.nbytes)
        sims.append(float((x.ravel() @ y.ravel()) / (np.linalg.norm(x) * np.linalg.norm(y) + 1e-12)))
    return {"frames": len(frames), "int8_bytes_ratio_mean": round(float(np.mean(ratios)), 4),
            "int8_bytes_ratio_max": round(float(np.max(ratios)), 4), "cosine_min": round(float(np.min(sims)), 5)}


def run(args) -> dict:
    vtest = str(media_file(args.file or "vtest.avi"))
    out = {"bench": "memory", "compression": compression(vtest), "retrieval": retrieval_latency(args.entries)}
    if args.hours > 0:
        out["long_stream"] = long_stream(vtest, args.hours, 64.0)
    ls, comp, ret = out.get("long_stream"), out["compression"], out["retrieval"]
    out["targets"] = {
        "int8_le_0.27_and_cos_ge_0.99": comp["int8_bytes_ratio_max"] <= 0.27 and comp["cosine_min"] >= 0.99,
        "retrieval_p50_lt_20ms_at_100k": ret["retrieval_p50_ms"] < 20 and ret["entries"] >= 100_000,
    }
    if ls:
        out["targets"]["memory_within_budget"] = ls["budget_violations"] == 0
        out["targets"]["rss_2h_within_10pct_of_10min"] = ls["rss_ratio_end_vs_10min"] is not None and ls["rss_ratio_end_vs_10min"] <= 1.10
    return out
