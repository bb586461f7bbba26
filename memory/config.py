"""The memory's configuration (validated; every out-of-range value fails with a one-line fix)."""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.common import ConfigError


def check(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


@dataclass
class MemoryConfig:
    """The hierarchical store. Total bytes never exceed budget_mb."""

    budget_mb: float = 64.0
    working_s: float = 30.0  # level 0: the last 30 s at full detail (fp16)
    short_s: float = 600.0  # level 1: clips younger than 10 min (int8, merged when over share)
    short_share: float = 0.5  # level 1's share of the budget; level 2 gets what is left
    event_max_s: float = 60.0  # a long-term event spans at most this much stream time when built
    event_tokens: int = 16  # summary tokens per long-term event (4x4 spatial pooling)
    max_text_chars: int = 2000  # per evidence row
    index_save_s: float = 10.0  # wall seconds between FAISS index saves (SQLite commits every frame)
    store_kv: bool = True  # hf backend: keep KV blocks for working and short-term entries

    def __post_init__(self) -> None:
        check(1.0 <= self.budget_mb <= 1_000_000, f"--memory-mb {self.budget_mb} is out of range; use 1..1000000 (MB)")
        check(0 < self.working_s <= self.short_s, "working_s must be > 0 and <= short_s")
        check(0.05 <= self.short_share <= 0.9, "short_share must be in 0.05..0.9")
        check(1 <= self.event_tokens <= 256, "event_tokens must be 1..256")
        check(1.0 <= self.event_max_s, "event_max_s must be >= 1 s")

    @property
    def budget_bytes(self) -> int:
        return int(self.budget_mb * 1024 * 1024)
