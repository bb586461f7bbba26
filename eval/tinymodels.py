"""Tiny random-weight VLMs built offline from configs, saved with `save_pretrained`, so tests and
benchmarks exercise the real `from_pretrained` loading path without a model hub.

A byte-level BPE tokenizer is trained here with the `tokenizers` library on a small corpus and
saved beside the weights with the model family's special tokens and a chat template.
"""

from __future__ import annotations

from pathlib import Path

import torch

_CORPUS = [
    "what text is on the screen now", "when did the sign say exit", "how many scene changes so far",
    "a person walks across the street", "the answer is yes", "the answer is no", "0 1 2 3 4 5 6 7 8 9",
    "user assistant system question answer frame time seconds minutes ago", "red green blue car bike dog",
]
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def train_tokenizer(out_dir: Path, specials: list[str], vocab_size: int = 400):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(_CORPUS * 20, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|im_start|>", eos_token="<|im_end|>",
                                   pad_token="<|pad|>", additional_special_tokens=specials[3:])
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(out_dir)
    return fast


_IDEFICS3_SPECIALS = ["<|im_start|>", "<|im_end|>", "<|pad|>", "<image>", "<fake_token_around_image>",
                      "<global-img>", "<end_of_utterance>"]
_QWEN_SPECIALS = ["<|im_start|>", "<|im_end|>", "<|pad|>", "<|vision_start|>", "<|vision_end|>",
                  "<|image_pad|>", "<|video_pad|>"]


def build_idefics3(out_dir: str | Path, shape: str = "tiny", model_type: str = "smolvlm", seed: int = 0) -> Path:
    """A SmolVLM/Idefics3 model. shape='tiny' (tests: ~1 M params) or 'smolvlm-256m' (the real
    SmolVLM2-256M's layer shapes: SigLIP-B/16 at 512 px, 30-layer 576-wide SmolLM2 text)."""
    from transformers import (
        Idefics3Config,
        Idefics3ForConditionalGeneration,
        SmolVLMConfig,
        SmolVLMForConditionalGeneration,
    )

    out_dir = Path(out_dir)
    tok = train_tokenizer(out_dir, _IDEFICS3_SPECIALS)
    vocab = len(tok)
    if shape == "tiny":
        vision = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2, image_size=64, patch_size=16)
        text = dict(model_type="llama", vocab_size=vocab, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                    num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=8192)
        scale = 2
    elif shape == "smolvlm-256m":
        vision = dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12, image_size=512, patch_size=16)
        text = dict(model_type="llama", vocab_size=vocab, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
                    num_attention_heads=9, num_key_value_heads=3, max_position_embeddings=8192)
        scale = 4
    else:
        raise ValueError(f"unknown shape {shape!r}")
    cfg_cls, model_cls = (SmolVLMConfig, SmolVLMForConditionalGeneration) if model_type == "smolvlm" else (Idefics3Config, Idefics3ForConditionalGeneration)
    cfg = cfg_cls(vision_config=vision, text_config=text, scale_factor=scale,
                  image_token_id=tok.convert_tokens_to_ids("<image>"), tie_word_embeddings=False)
    torch.manual_seed(seed)
    model_cls(cfg).eval().save_pretrained(out_dir)
    return out_dir


def build_qwen2vl(out_dir: str | Path, seed: int = 0, rope_theta: float | None = None,
                  init_std: float | None = None) -> Path:
    """A tiny Qwen2-VL. head_dim 16 splits into M-RoPE sections (t, h, w) = (2, 3, 3) frequency
    pairs; at the default rope_theta (1e6) the h/w pairs turn by 0.03 rad per position or less,
    and at the default init std (0.02) logits barely move: a visual column off by one changed
    them by 8e-5, under the exactness tests' 1e-4. rope_theta=10 (every pair >= 0.13 rad per
    position) with init_std=0.1 makes that 3e-2, while exact prefill stays within 2e-6."""
    from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration

    out_dir = Path(out_dir)
    tok = train_tokenizer(out_dir, _QWEN_SPECIALS)
    ids = {t: tok.convert_tokens_to_ids(t) for t in _QWEN_SPECIALS}
    cfg = Qwen2VLConfig(
        vision_config=dict(depth=2, embed_dim=32, hidden_size=64, num_heads=2, mlp_ratio=2, patch_size=14,
                           spatial_merge_size=2, temporal_patch_size=2, in_chans=3),
        text_config=dict(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=8192,
                         rope_scaling={"type": "mrope", "mrope_section": [2, 3, 3],
                                       **({"rope_theta": rope_theta} if rope_theta else {})},
                         **({"initializer_range": init_std} if init_std else {})),
        image_token_id=ids["<|image_pad|>"], video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"], vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    Qwen2VLForConditionalGeneration(cfg).eval().save_pretrained(out_dir)
    return out_dir
