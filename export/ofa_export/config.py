"""The OFA model configuration, read from an HF-layout ``config.json``; unsupported settings are refused by name."""
from __future__ import annotations

import json
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path
from typing import Any, Dict

from .errors import CheckpointError

SUPPORTED_RESNETS = ("resnet50", "resnet101", "resnet152")


@dataclass(frozen=True)
class OfaConfig:
    vocab_size: int
    d_model: int
    encoder_layers: int
    decoder_layers: int
    encoder_attention_heads: int
    decoder_attention_heads: int
    encoder_ffn_dim: int
    decoder_ffn_dim: int
    resnet_type: str = "resnet50"
    max_position_embeddings: int = 1024
    token_bucket_size: int = 256
    image_bucket_size: int = 42
    attn_scale_factor: float = 2.0
    normformer: bool = True
    encoder_normalize_before: bool = True
    decoder_normalize_before: bool = True
    layernorm_embedding: bool = True
    patch_layernorm_embedding: bool = True
    code_layernorm_embedding: bool = True
    add_type_embedding: bool = True
    scale_embedding: bool = False
    share_decoder_input_output_embed: bool = True
    entangle_position_embedding: bool = False
    activation_function: str = "gelu"
    bos_token_id: int = 0
    pad_token_id: int = 1
    eos_token_id: int = 2

    @property
    def image_rel_table_rows(self) -> int:
        return (2 * self.image_bucket_size - 1) ** 2 + 3

    def __post_init__(self) -> None:
        problems = []
        if self.resnet_type not in SUPPORTED_RESNETS:
            problems.append(f"resnet_type {self.resnet_type!r} is not one of {list(SUPPORTED_RESNETS)}")
        for name in ("encoder", "decoder"):
            heads = getattr(self, f"{name}_attention_heads")
            if self.d_model % heads:
                problems.append(f"d_model {self.d_model} is not divisible by {name}_attention_heads {heads}")
        if self.entangle_position_embedding:
            problems.append("entangle_position_embedding=true is not supported (no published OFA checkpoint uses it)")
        if self.activation_function != "gelu":
            problems.append(f"activation_function {self.activation_function!r} is not supported, expected 'gelu'")
        if problems:
            raise CheckpointError("Unsupported OFA config: " + "; ".join(problems))

    @staticmethod
    def from_dict(raw: Dict[str, Any], source: str = "config") -> "OfaConfig":
        known = {f.name for f in fields(OfaConfig)}
        required = [f.name for f in fields(OfaConfig) if f.default is MISSING]
        missing = [name for name in required if name not in raw]
        if missing:
            raise CheckpointError(f"{source}: missing required field(s) {missing}")
        try:
            return OfaConfig(**{k: v for k, v in raw.items() if k in known})
        except TypeError as e:
            raise CheckpointError(f"{source}: {e}") from e

    @staticmethod
    def load(path: Path) -> "OfaConfig":
        if not path.is_file():
            raise CheckpointError(f"Missing config file: {path}")
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise CheckpointError(f"Corrupt config file {path}: {e}") from e
        if raw.get("model_type", "ofa") != "ofa":
            raise CheckpointError(f"{path}: model_type is {raw.get('model_type')!r}, expected 'ofa'")
        return OfaConfig.from_dict(raw, str(path))

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


# The published sizes (OFA.md); used to check shapes and parameter counts without any weights.
PUBLISHED = {
    "tiny": dict(d_model=256, encoder_ffn_dim=1024, decoder_ffn_dim=1024, encoder_attention_heads=4,
                 decoder_attention_heads=4, encoder_layers=4, decoder_layers=4, resnet_type="resnet50"),
    "medium": dict(d_model=512, encoder_ffn_dim=2048, decoder_ffn_dim=2048, encoder_attention_heads=8,
                   decoder_attention_heads=8, encoder_layers=4, decoder_layers=4, resnet_type="resnet101"),
    "base": dict(d_model=768, encoder_ffn_dim=3072, decoder_ffn_dim=3072, encoder_attention_heads=12,
                 decoder_attention_heads=12, encoder_layers=6, decoder_layers=6, resnet_type="resnet101"),
    "large": dict(d_model=1024, encoder_ffn_dim=4096, decoder_ffn_dim=4096, encoder_attention_heads=16,
                  decoder_attention_heads=16, encoder_layers=12, decoder_layers=12, resnet_type="resnet152"),
    "huge": dict(d_model=1280, encoder_ffn_dim=5120, decoder_ffn_dim=5120, encoder_attention_heads=16,
                 decoder_attention_heads=16, encoder_layers=24, decoder_layers=12, resnet_type="resnet152"),
}
PUBLISHED_VOCAB_SIZE = 59457


def published_config(size: str, **overrides: Any) -> OfaConfig:
    values = dict(PUBLISHED[size], vocab_size=PUBLISHED_VOCAB_SIZE)
    values.update(overrides)
    return OfaConfig(**values)
