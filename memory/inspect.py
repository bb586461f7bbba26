"""`vstream memory inspect|search`: what a session holds, and what a query finds in it."""

from __future__ import annotations

from memory.reader import SessionReader
from memory.records import EvidenceKind
from retrieval.common import VStreamError
from retrieval.retriever import Retriever
from retrieval.timeparse import parse_time_window


def _fmt_t(t: float) -> str:
    m, s = divmod(t, 60)
    return f"{int(m):02d}:{s:05.2f}"


def coverage(entries) -> tuple[float, float, float]:
    """(start, end, seconds not covered by any entry between them)."""
    if not entries:
        return 0.0, 0.0, 0.0
    spans = sorted((e.t_start, e.t_end) for e in entries)
    gaps, reach = 0.0, spans[0][1]
    for a, b in spans[1:]:
        if a > reach + 1e-6:
            gaps += a - reach
        reach = max(reach, b)
    return spans[0][0], reach, gaps


def inspect_session(folder: str) -> dict:
    r = SessionReader(folder)
    try:
        entries = r.entries()
        t0, t1, gaps = coverage(entries)
        events = r.store.events()
        out = {
            "session": str(r.store.folder), "source": r.store.get_meta("source"), "backend": r.store.get_meta("backend"),
            "memory_entries": len(entries), "memory_bytes": r.total_bytes, "levels": r.level_report(),
            "coverage": {"t_start": round(t0, 3), "t_end": round(t1, 3), "gaps_s": round(gaps, 3)},
            "evidence": {k.value: n for k in EvidenceKind if (n := len(r.evidence(k)))}, "events": len(events),
            "scene_changes": sum(1 for _, e in events if e.kind.value == "scene_change"),
            "closed_cleanly": r.store.get_meta("closed_cleanly"),
        }
    finally:
        r.close()
    lines = [f"session {out['session']}  source {out['source']}  backend {out['backend']}",
             f"{out['memory_entries']} entries, {out['memory_bytes'] / 1e6:.2f} MB, covering {_fmt_t(t0)}–{_fmt_t(t1)} (gaps {gaps:.1f} s)"]
    for name, lv in out["levels"].items():
        lines.append(f"  {name:>10}: {lv['entries']:6d} entries {lv['bytes'] / 1e6:8.2f} MB")
    rows = ", ".join(f"{n} {k}" for k, n in out["evidence"].items()) or "none"
    lines.append(f"evidence rows: {rows}; {out['events']} events ({out['scene_changes']} scene changes)")
    out["text"] = "\n".join(lines)
    return out


def search_session(folder: str, query: str, k: int, at: float | None) -> dict:
    """The evidence rows most similar to the query (and the time it names), best first."""
    if not query.strip():
        raise VStreamError("memory search needs a query, e.g. vstream memory search --session DIR \"red car\"")
    r = SessionReader(folder)
    try:
        entries = r.entries()
        now = at if at is not None else (entries[-1].t_end if entries else 0.0)
        window = parse_time_window(query, now)
        hits = Retriever(r).search_evidence(query, now, window, k)
    finally:
        r.close()
    rows = [{"id": h.evidence.id, "kind": h.evidence.kind.value, "t_start": round(h.evidence.t_start, 3),
             "t_end": round(h.evidence.t_end, 3), "score": round(h.score, 4), "content": h.evidence.content,
             "entry_id": h.evidence.entry_id} for h in hits]
    out = {"query": query, "window": None if window is None else [round(window.t_start, 3), round(window.t_end, 3)], "hits": rows}
    out["text"] = "\n".join(f"{_fmt_t(x['t_start'])}–{_fmt_t(x['t_end'])}  {x['score']:.3f} [{x['kind']}] {x['content']}" for x in rows) or "no matches"
    return out
