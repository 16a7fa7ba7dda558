"""Small OFA checkpoints in the published HF layout, with EVERY parameter random, for tests and the bundled package.

    write_checkpoint(Path("ckpt"), small_config("tiny", vocab_size=...), seed=7)

Initialisation follows the reference fixture's rules (zero/one defaults hide bugs): linear/embedding weights and
biases normal(0, 0.05); attention q/k and absolute-position q/k weights normal(0, 0.25); ResNet convs
normal(0, 1/sqrt(fan_in)); LayerNorm weight 1+normal(0, 0.1), bias normal(0, 0.1); BatchNorm affine likewise,
running mean normal(0, 0.1), running var uniform(0.5, 1.5); relative tables normal(0, 0.5); c_attn 1+normal(0, 0.2).
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import torch

from .config import PUBLISHED, OfaConfig
from .model import OfaModel
from .vocab import NUM_BINS, NUM_CODES

QK = re.compile(r"(q_proj|k_proj|pos_q_linear|pos_k_linear)\.weight$")


def randomize(model: OfaModel, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, module in model.named_modules():
            if isinstance(module, torch.nn.Conv2d):
                fan_in = module.weight[0].numel()
                module.weight.copy_(torch.randn(module.weight.shape, generator=g) / math.sqrt(fan_in))
            elif isinstance(module, (torch.nn.LayerNorm, torch.nn.BatchNorm2d)):
                module.weight.copy_(1 + 0.1 * torch.randn(module.weight.shape, generator=g))
                module.bias.copy_(0.1 * torch.randn(module.bias.shape, generator=g))
                if isinstance(module, torch.nn.BatchNorm2d):
                    module.running_mean.copy_(0.1 * torch.randn(module.running_mean.shape, generator=g))
                    module.running_var.copy_(0.5 + torch.rand(module.running_var.shape, generator=g))
        seen = set()
        for name, p in model.named_parameters():
            if id(p) in seen or ".embed_images." in name or "layer_norm" in name or "layernorm" in name \
                    or name.endswith("_ln.weight") or name.endswith("_ln.bias"):
                continue
            seen.add(id(p))
            if "rel_pos_table_list" in name:
                p.copy_(0.5 * torch.randn(p.shape, generator=g))
            elif name.endswith("c_attn"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            elif QK.search(name):
                p.copy_(0.25 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.05 * torch.randn(p.shape, generator=g))


def small_config(family: str, vocab_size: int, d_model: int = 64, layers: Tuple[int, int] = (2, 2),
                 heads: int = 4) -> OfaConfig:
    """A reduced-width model of one published size family (keeps that family's ResNet depth)."""
    return OfaConfig(vocab_size=vocab_size, d_model=d_model, encoder_layers=layers[0], decoder_layers=layers[1],
                     encoder_attention_heads=heads, decoder_attention_heads=heads, encoder_ffn_dim=2 * d_model,
                     decoder_ffn_dim=2 * d_model, resnet_type=PUBLISHED[family]["resnet_type"])


def hf_config_json(cfg: OfaConfig) -> Dict:
    raw = cfg.to_dict()
    raw.update(model_type="ofa", architectures=["OFAModel"], decoder_start_token_id=cfg.bos_token_id,
               is_encoder_decoder=True, use_cache=True, dropout=0.1, torch_dtype="float32")
    return raw


def write_checkpoint(directory: Path, cfg: OfaConfig, vocab: Dict[str, int], merges: Sequence[Tuple[str, str]],
                     seed: int, with_buffers: bool = False) -> OfaModel:
    """Write config.json, pytorch_model.bin (HF key layout, tied embedding under its three names), vocab, merges."""
    directory.mkdir(parents=True, exist_ok=True)
    model = OfaModel(cfg)
    randomize(model, seed)
    state = model.state_dict()
    if not with_buffers:
        state = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
    torch.save(state, directory / "pytorch_model.bin")
    (directory / "config.json").write_text(json.dumps(hf_config_json(cfg), indent=2) + "\n")
    write_vocabulary(directory, vocab, merges)
    return model


def write_vocabulary(directory: Path, vocab: Dict[str, int], merges: Sequence[Tuple[str, str]]) -> None:
    (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = ["#version: 0.2"] + [f"{a} {b}" for a, b in merges]
    (directory / "merges.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------------
# A small byte-level BPE fitted on a corpus: GPT-2's byte alphabet plus the most frequent merges
# ---------------------------------------------------------------------------------------------------------------

def bytes_to_unicode() -> Dict[int, str]:
    """GPT-2's reversible byte -> printable character map."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    mapping, extra = {}, 0
    for b in range(256):
        if b in printable:
            mapping[b] = chr(b)
        else:
            mapping[b] = chr(256 + extra)
            extra += 1
    return mapping


def fit_bpe(corpus: str, num_merges: int) -> Tuple[Dict[str, int], List[Tuple[str, str]]]:
    """Greedy BPE training on words split GPT-2 style (a leading space stays with its word)."""
    b2u = bytes_to_unicode()
    words = Counter(re.findall(r" ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+", corpus))
    seqs = {w: [b2u[b] for b in w.encode("utf-8")] for w in words}
    merges: List[Tuple[str, str]] = []
    for _ in range(num_merges):
        pairs: Counter = Counter()
        for w, count in words.items():
            s = seqs[w]
            for a, b in zip(s, s[1:]):
                pairs[(a, b)] += count
        if not pairs:
            break
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))[0]
        merges.append(best)
        for w, s in seqs.items():
            i, out = 0, []
            while i < len(s):
                if i + 1 < len(s) and (s[i], s[i + 1]) == best:
                    out.append(s[i] + s[i + 1])
                    i += 2
                else:
                    out.append(s[i])
                    i += 1
            seqs[w] = out
    vocab: Dict[str, int] = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for b in range(256):
        vocab.setdefault(b2u[b], len(vocab))
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    vocab["<mask>"] = len(vocab)
    return vocab, merges


def full_vocab_size(vocab: Dict[str, int]) -> int:
    return len(vocab) + NUM_CODES + NUM_BINS
