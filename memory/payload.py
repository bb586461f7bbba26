"""What an entry's payload holds, and its byte format on disk.

A payload is a few named float arrays (visual tokens, their grid indices, KV keys/values per
layer), each packed with a codec. Format: a small JSON header (names, codecs, shapes, sizes)
then the raw buffers — self-describing, so a payload written by one version reads in another."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field

import numpy as np

from memory.quant import Codec, Packed, pack, unpack

_MAGIC = b"VSP1"


@dataclass
class Payload:
    arrays: dict[str, np.ndarray] = field(default_factory=dict)  # float arrays (tokens, kv.*)
    ints: dict[str, np.ndarray] = field(default_factory=dict)  # int arrays (token grid indices)
    grid: tuple[int, int] = (0, 0)

    def encode(self, codec: Codec) -> bytes:
        header = {"grid": list(self.grid), "arrays": [], "ints": []}
        buffers: list[bytes] = []
        for name, arr in self.arrays.items():
            p = pack(arr, codec)
            header["arrays"].append([name, p.codec.value, list(p.shape), len(p.data), len(p.scales)])
            buffers += [p.data, p.scales]
        for name, arr in self.ints.items():
            a = np.ascontiguousarray(arr, dtype=np.int32)
            header["ints"].append([name, list(a.shape), a.nbytes])
            buffers.append(a.tobytes())
        head = json.dumps(header, separators=(",", ":")).encode()
        return _MAGIC + struct.pack("<I", len(head)) + head + b"".join(buffers)

    @staticmethod
    def decode(blob: bytes) -> Payload:
        if blob[:4] != _MAGIC:
            raise ValueError("not a vstream payload")
        (n,) = struct.unpack("<I", blob[4:8])
        header = json.loads(blob[8:8 + n])
        pos = 8 + n
        out = Payload(grid=tuple(header["grid"]))
        for name, codec, shape, nd, ns in header["arrays"]:
            data, scales = blob[pos:pos + nd], blob[pos + nd:pos + nd + ns]
            pos += nd + ns
            out.arrays[name] = unpack(Packed(Codec(codec), tuple(shape), data, scales))
        for name, shape, nb in header["ints"]:
            out.ints[name] = np.frombuffer(blob[pos:pos + nb], np.int32).reshape(shape).copy()
            pos += nb
        return out
