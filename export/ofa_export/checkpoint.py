"""Strict loading of OFA checkpoints: HF layout (``config.json`` + ``pytorch_model.bin``) and fairseq ``.pt``.

    model, ckpt = load_checkpoint(Path("ofa-tiny"))     # raises CheckpointError naming the file or key at fault

Rules: every parameter of the model must come from the file with its exact shape; a key the model does not know is
an error; buffers the reference computes from the config (relative-position buckets, image position ids) and
BatchNorm's ``num_batches_tracked`` counters may be present or absent, and where present the computed ones must equal
ours. The three names of the tied token embedding must hold the same tensor.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import torch

from .config import OfaConfig
from .errors import CheckpointError
from .model import OfaModel, reference_image_bucket, reference_token_bucket

WEIGHT_FILES = ("pytorch_model.bin", "pytorch_model.bin.gz", "model.pt", "checkpoint.pt")
TIED_EMBEDDING = ("encoder.embed_tokens.weight", "decoder.embed_tokens.weight", "decoder.output_projection.weight")

# fairseq OFA names -> HF names (OFA.md); applied to key segments.
FAIRSEQ_RENAMES = (
    (".encoder_attn_layer_norm.", ".cross_attn_layer_norm."),
    (".encoder_attn.", ".cross_attn."),
    (".self_attn_ln.", ".self_attn_mid_layer_norm."),
    (".cross_attn_ln.", ".cross_attn_mid_layer_norm."),
    (".attn_ln.", ".self_attn_mid_layer_norm."),
    (".ffn_layernorm.", ".ffn_layer_norm."),
)
IGNORED_KEY = re.compile(r"(^|\.)(num_batches_tracked|version|_float_tensor)$")


@dataclass(frozen=True)
class Checkpoint:
    directory: Path
    config: OfaConfig
    weights_file: Path
    weights_sha256: str
    vocab_file: Path
    merges_file: Path


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def find_checkpoint(directory: Path) -> Checkpoint:
    if not directory.is_dir():
        raise CheckpointError(f"Checkpoint directory not found: {directory}")
    config = OfaConfig.load(directory / "config.json")
    weights = next((directory / n for n in WEIGHT_FILES if (directory / n).is_file()), None)
    if weights is None:
        raise CheckpointError(f"Missing weights file in {directory}: expected one of {list(WEIGHT_FILES)}")
    for name in ("vocab.json", "merges.txt"):
        if not (directory / name).is_file():
            raise CheckpointError(f"Missing vocabulary file: {directory / name}")
    return Checkpoint(directory, config, weights, sha256_file(weights), directory / "vocab.json",
                      directory / "merges.txt")


def read_state_dict(path: Path) -> Dict[str, torch.Tensor]:
    """torch.load of a weights file (plain, or gzip-compressed), with the reason when the file is corrupt."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                data = io.BytesIO(f.read())
            raw = torch.load(data, map_location="cpu")
        else:
            raw = torch.load(path, map_location="cpu")
    except (RuntimeError, EOFError, OSError, pickle.UnpicklingError, zipfile.BadZipFile, ValueError) as e:
        raise CheckpointError(f"Corrupt or truncated weights file {path}: {type(e).__name__}: {e}") from e
    if isinstance(raw, dict) and "model" in raw and isinstance(raw["model"], dict):
        raw = {_fairseq_name(k): v for k, v in raw["model"].items()}   # fairseq checkpoint
    if not isinstance(raw, dict) or not all(isinstance(v, torch.Tensor) for v in raw.values()):
        raise CheckpointError(f"Weights file {path} does not hold a state dict of tensors")
    return {_strip_prefix(k): v for k, v in raw.items()}


def _fairseq_name(key: str) -> str:
    key = "." + key
    for old, new in FAIRSEQ_RENAMES:
        key = key.replace(old, new)
    return key[1:]


def _strip_prefix(key: str) -> str:
    return key[len("model."):] if key.startswith("model.") else key


def _computed_buffers(cfg: OfaConfig) -> Dict[str, torch.Tensor]:
    token = reference_token_bucket(cfg.token_bucket_size, cfg.max_position_embeddings)
    image = reference_image_bucket(cfg.image_bucket_size)
    return {"encoder.token_rp_bucket": token, "decoder.token_rp_bucket": token,
            "encoder.image_rp_bucket": image, "decoder.image_rp_bucket": image,
            "decoder.image_position_idx": None}   # code-generation path only: accepted, not used


def load_weights(model: OfaModel, state: Dict[str, torch.Tensor], source: str) -> None:
    cfg = model.cfg
    expected = {k: v for k, v in model.state_dict().items() if not IGNORED_KEY.search(k)}
    state = dict(state)
    problems: List[str] = []

    computed = _computed_buffers(cfg)
    for key in [k for k in state if k in computed]:
        value = state.pop(key)
        ref = computed[key]
        if ref is not None and (value.shape != ref.shape or not torch.equal(value.long(), ref)):
            problems.append(f"buffer {key} differs from the one computed from the config")
    for key in [k for k in state if IGNORED_KEY.search(k)]:
        del state[key]

    tied = [k for k in TIED_EMBEDDING if k in expected]
    if cfg.share_decoder_input_output_embed:
        present = [k for k in tied if k in state]
        if present:
            first = state[present[0]]
            for k in present[1:]:
                if state[k].shape == first.shape and not torch.equal(state[k], first):
                    problems.append(f"{k} differs from {present[0]}, but the config ties them "
                                    "(share_decoder_input_output_embed)")
            for k in tied:
                state.setdefault(k, first)

    missing = sorted(k for k in expected if k not in state)
    unexpected = sorted(k for k in state if k not in expected)
    wrong_shape = sorted(f"{k}: file {list(state[k].shape)}, model {list(expected[k].shape)}"
                         for k in expected if k in state and state[k].shape != expected[k].shape)
    if missing:
        problems.append(f"missing key(s) {_short(missing)}")
    if unexpected:
        problems.append(f"unexpected key(s) {_short(unexpected)}")
    if wrong_shape:
        problems.append(f"wrong shape: {_short(wrong_shape)}")
    non_float = sorted(k for k in expected if k in state and not state[k].is_floating_point())
    if non_float:
        problems.append(f"non-floating-point weight(s) {_short(non_float)}")
    if problems:
        raise CheckpointError(f"Checkpoint {source} does not match the model of its config: " + "; ".join(problems))
    with torch.no_grad():
        for key, target in expected.items():
            target.copy_(state[key].to(target.dtype))


def _short(items: List[str], limit: int = 8) -> str:
    shown = ", ".join(items[:limit])
    return f"[{shown}{', ... (%d more)' % (len(items) - limit) if len(items) > limit else ''}]"


def load_checkpoint(directory: Path, config: Optional[OfaConfig] = None) -> Tuple[OfaModel, Checkpoint]:
    ckpt = find_checkpoint(directory)
    cfg = config or ckpt.config
    model = OfaModel(cfg)
    load_weights(model, read_state_dict(ckpt.weights_file), str(ckpt.weights_file))
    model.eval()
    return model, ckpt
