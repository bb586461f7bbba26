"""The level policy, pure: given the levels, their bytes and the budget, which step comes next.
No disk, no indexes — the writer (memory/hierarchy.py) applies each step and asks again, the way
transformers separates cache layers (policy) from the Cache container (storage).

  level 0 working     last `working_s` of frames, full detail (fp16 kept tokens, KV blocks)
  level 1 short-term  clips, int8; over its share → merge the most similar adjacent pair,
                      preferring pairs inside one shot
  level 2 long-term   events split at scene cuts (and every `event_max_s`), a few summary tokens;
                      over budget → merge the adjacent pair of lowest penalty
                      (dissimilarity + merge count + recency, after StreamForest)
Over the budget with nothing left to merge, evidence rows go a tier at a time, those that ended
first first (labels, detections, looks; then moving things, tracks, cuts; last text, speech,
captions: memory/hierarchy.py DROP_TIERS), so total bytes never exceed the budget whatever the
stream length."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np

from memory.config import MemoryConfig
from memory.records import LONG, SHORT, WORKING, MemoryEntry


class Action(str, Enum):
    DEMOTE = "demote"  # working frame → short-term clip
    FOLD = "fold"  # short-term clip → long-term (joins the last event or starts one)
    MERGE = "merge"  # merge entries[index] and entries[index + 1] of `level`
    DROP_EVIDENCE = "drop_evidence"  # evict the oldest low-value evidence rows


@dataclass(frozen=True)
class Step:
    action: Action
    level: int = WORKING
    index: int = 0


@dataclass(frozen=True)
class Usage:
    """What the writer reports to the policy after each change."""

    level_bytes: dict[int, int]
    evidence_bytes: int
    droppable_evidence: int  # evidence rows that may go (every kind, in tiers)

    @property
    def total(self) -> int:
        return sum(self.level_bytes.values()) + self.evidence_bytes


def next_step(levels: dict[int, Sequence[MemoryEntry]], usage: Usage, now: float, cfg: MemoryConfig) -> Step | None:
    """The next step of maintenance, or None when memory is within every rule."""
    work, short, budget = levels[WORKING], levels[SHORT], cfg.budget_bytes
    if work and work[0].t_end < now - cfg.working_s:
        return Step(Action.DEMOTE, WORKING, 0)
    if short and short[0].t_end < now - cfg.short_s:
        return Step(Action.FOLD, SHORT, 0)
    if usage.level_bytes[SHORT] > cfg.short_share * budget and len(short) >= 2:
        return Step(Action.MERGE, SHORT, most_similar_pair(short))
    if usage.total > budget:
        return relief_step(levels, usage)
    return None


def relief_step(levels: dict[int, Sequence[MemoryEntry]], usage: Usage) -> Step | None:
    """One step that frees bytes, cheapest information loss first."""
    if len(levels[LONG]) >= 2:
        return Step(Action.MERGE, LONG, lowest_penalty_pair(levels[LONG]))
    if len(levels[SHORT]) >= 2:
        return Step(Action.MERGE, SHORT, most_similar_pair(levels[SHORT]))
    if levels[SHORT]:
        return Step(Action.FOLD, SHORT, 0)
    if len(levels[WORKING]) >= 2:
        return Step(Action.DEMOTE, WORKING, 0)
    if usage.droppable_evidence:
        return Step(Action.DROP_EVIDENCE)
    return None


def most_similar_pair(entries: Sequence[MemoryEntry]) -> int:
    """Index i of the adjacent pair (i, i+1) with the most similar embeddings; pairs across a
    cut only when nothing else is left."""
    pairs = [(i, float(entries[i].embedding @ entries[i + 1].embedding)) for i in range(len(entries) - 1)]
    within = [p for p in pairs if not entries[p[0] + 1].scene_change] or pairs
    return max(within, key=lambda p: p[1])[0]


def lowest_penalty_pair(entries: Sequence[MemoryEntry]) -> int:
    t_old, t_new = entries[0].t_mid, entries[-1].t_mid
    span = max(t_new - t_old, 1e-9)

    def penalty(i: int) -> float:
        a, b = entries[i], entries[i + 1]
        dissimilar = 1.0 - float(a.embedding @ b.embedding)
        recency = ((a.t_mid + b.t_mid) / 2 - t_old) / span  # 0 oldest … 1 newest
        return dissimilar + 0.1 * np.log1p(a.merges + b.merges) + 0.3 * recency

    return min(range(len(entries) - 1), key=penalty)


def joins_last_event(clip: MemoryEntry, last: MemoryEntry | None, cfg: MemoryConfig) -> bool:
    """A folded clip extends the latest event unless a cut or event_max_s separates them."""
    return last is not None and not clip.scene_change and clip.t_end - last.t_start <= cfg.event_max_s
