"""`vstream memory inspect|search`: what a session holds, and what a query finds in it."""

from __future__ import annotations

from memory.reader import SessionReader
from retrieval.retriever import Retriever
from vstream.errors import VStreamError


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
            "text_spans": len(r.texts()), "events": len(events),
            "scene_changes": sum(1 for _, e in events if e.kind.value == "scene_change"),
            "closed_cleanly": r.store.get_meta("closed_cleanly"),
        }
    finally:
        r.close()
    lines = [f"session {out['session']}  source {out['source']}  backend {out['backend']}",
             f"{out['memory_entries']} entries, {out['memory_bytes'] / 1e6:.2f} MB, covering {_fmt_t(t0)}–{_fmt_t(t1)} (gaps {gaps:.1f} s)"]
    for name, lv in out["levels"].items():
        lines.append(f"  {name:>10}: {lv['entries']:6d} entries {lv['bytes'] / 1e6:8.2f} MB")
    lines.append(f"{out['text_spans']} text spans, {out['events']} events ({out['scene_changes']} scene changes)")
    out["text"] = "\n".join(lines)
    return out


def search_session(folder: str, query: str, k: int, at: float | None) -> dict:
    if not query.strip():
        raise VStreamError("memory search needs a query, e.g. vstream memory search --session DIR \"red car\"")
    r = SessionReader(folder)
    try:
        hits, window = Retriever(r).search(query, now=at, k=k)
        texts = r.texts()
    finally:
        r.close()
    rows = []
    for h in sorted(hits, key=lambda h: -h.score):
        spans = [{"text": t.text, "t_start": round(t.t_start, 3), "t_end": round(t.t_end, 3)} for t in texts if t.entry_id == h.entry.id]
        rows.append({"id": h.entry.id, "level": h.entry.level, "kind": h.entry.kind, "t_start": round(h.entry.t_start, 3),
                     "t_end": round(h.entry.t_end, 3), "score": round(h.score, 4), "why": h.why, "text": h.entry.text,
                     "text_spans": spans})
    out = {"query": query, "window": None if window is None else [round(window.t_start, 3), round(window.t_end, 3)], "hits": rows}
    out["text"] = "\n".join(f"{_fmt_t(x['t_start'])}–{_fmt_t(x['t_end'])}  {x['score']:.3f} [{x['why']}] {x['text'].replace(chr(10), ' | ')}" for x in rows) or "no matches"
    return out
