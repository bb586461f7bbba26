"""Payload blobs in append-only segment files, each record checksummed.

A reference is "segment:offset:length:crc32". A torn or overwritten record (crash mid-write,
disk trouble) fails its CRC and is never served: `get` returns None. Segments whose records are
all deleted are unlinked; `compact` rewrites the live records of wasteful segments."""

from __future__ import annotations

import os
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

SEGMENT_MAX = 32 * 1024 * 1024  # 32 MB per segment file (the writer passes less for small budgets)
SEGMENT_MIN = 64 * 1024  # below this, per-file overhead and rotation churn outweigh the gain


def segment_size_for(budget_bytes: int) -> int:
    """Segments of a quarter of the budget, 64 KB..32 MB. With every closed segment kept at least
    half live (compaction), blob files stay within 2x the live payload bytes (<= the budget) plus
    the active segment: <= 2.25x the budget. A fixed 32 MB segment made a 1 MB session use 19 MB."""
    return max(SEGMENT_MIN, min(SEGMENT_MAX, budget_bytes // 4))


@dataclass(frozen=True)
class BlobRef:
    segment: int
    offset: int
    length: int
    crc: int

    def __str__(self) -> str:
        return f"{self.segment}:{self.offset}:{self.length}:{self.crc}"

    @staticmethod
    def parse(text: str) -> BlobRef:
        seg, off, length, crc = (int(v) for v in text.split(":"))
        return BlobRef(seg, off, length, crc)


class BlobStore:
    def __init__(self, folder: Path, readonly: bool = False, segment_max: int = SEGMENT_MAX):
        self.folder = Path(folder)
        self.readonly = readonly
        self.segment_max = segment_max
        if not readonly:
            self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        existing = sorted(int(p.stem.split("-")[1]) for p in self.folder.glob("seg-*.bin"))
        self._active = existing[-1] if existing else 1
        self._fh = None
        self._readers: dict[int, object] = {}

    def _path(self, segment: int) -> Path:
        return self.folder / f"seg-{segment:06d}.bin"

    def put(self, data: bytes) -> BlobRef:
        with self._lock:
            if self._fh is None:
                self._fh = open(self._path(self._active), "ab")
            if self._fh.tell() + len(data) > self.segment_max and self._fh.tell() > 0:
                self._fh.close()
                self._active += 1
                self._fh = open(self._path(self._active), "ab")
            offset = self._fh.tell()
            self._fh.write(data)
            self._fh.flush()  # in the page cache: survives kill -9 of this process
            return BlobRef(self._active, offset, len(data), zlib.crc32(data))

    def sync(self) -> None:
        """fsync the active segment (called at commit points; survives power loss too)."""
        with self._lock:
            if self._fh is not None:
                os.fsync(self._fh.fileno())

    def get(self, ref: BlobRef) -> bytes | None:
        path = self._path(ref.segment)
        try:
            with open(path, "rb") as f:
                f.seek(ref.offset)
                data = f.read(ref.length)
        except OSError:
            return None
        if len(data) != ref.length or zlib.crc32(data) != ref.crc:
            return None  # torn or damaged: never served
        return data

    def segments(self) -> list[int]:
        return sorted(int(p.stem.split("-")[1]) for p in self.folder.glob("seg-*.bin"))

    def segment_size(self, segment: int) -> int:
        try:
            return self._path(segment).stat().st_size
        except OSError:
            return 0

    def unlink(self, segment: int) -> None:
        with self._lock:
            if segment == self._active:
                return
            try:
                self._path(segment).unlink()
            except OSError:
                pass

    def disk_bytes(self) -> int:
        return sum(self.segment_size(s) for s in self.segments())

    @property
    def active(self) -> int:
        return self._active

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None
