"""OFA's image tokenizer in PyTorch: taming-transformers' ``GumbelVQ`` (f8, 8192 codes), written for this project.

    cfg = VqganConfig.load(Path("vqgan/model.yaml"))       # CheckpointError naming the field at fault
    model = GumbelVq(cfg).eval()
    logits = model.code_logits(images)                      # images [B,3,S,S] in [-1,1] -> [B, n_embed, S/f, S/f]
    codes = logits.argmax(1)                                # the deterministic codes (see below)
    pixels = model.decode_codes(codes)                      # [B,3,S,S], about [-1,1]

Parameter names are those of the published checkpoint (``encoder.down.0.block.0.conv1.weight``...), so its
``state_dict`` loads as is (``vqgan_checkpoint.load_vqgan``).

Codes: the reference's ``GumbelQuantize.forward`` draws ``gumbel_softmax(logits, tau=1, hard=True)`` even in eval
mode (the temperature schedule is not saved in the checkpoint), so its codes are a random draw from softmax(logits).
This model takes the argmax of the logits, that draw's mode: the same image always gets the same codes.
Decoding looks code k up in the codebook (``quantize.embed``), which equals the reference's one-hot product.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, List, Tuple

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from .errors import CheckpointError

GROUPS = 32          # taming's Normalize: GroupNorm(32 groups, eps 1e-6)
NORM_EPS = 1e-6
SUPPORTED_TARGETS = ("taming.models.vqgan.GumbelVQ", "models.taming.models.vqgan.GumbelVQ")


@dataclass(frozen=True)
class VqganConfig:
    """The fields of ``model.yaml`` inference needs (``model.params`` and its ``ddconfig``)."""
    ch: int
    ch_mult: Tuple[int, ...]
    num_res_blocks: int
    attn_resolutions: Tuple[int, ...]
    z_channels: int
    embed_dim: int
    n_embed: int
    resolution: int = 256
    in_channels: int = 3
    out_ch: int = 3

    @property
    def downsample_factor(self) -> int:
        return 2 ** (len(self.ch_mult) - 1)

    @property
    def code_grid(self) -> int:
        """Codes per side for an image of ``resolution`` pixels."""
        return self.resolution // self.downsample_factor

    def to_dict(self) -> Dict[str, Any]:
        out = asdict(self)
        out["ch_mult"] = list(self.ch_mult)
        out["attn_resolutions"] = list(self.attn_resolutions)
        return out

    def __post_init__(self) -> None:
        problems = []
        for mult in self.ch_mult:
            if (self.ch * mult) % GROUPS:
                problems.append(f"ddconfig.ch {self.ch} x ch_mult {mult} is not a multiple of {GROUPS} "
                                "(GroupNorm has 32 groups)")
        if self.z_channels != self.embed_dim:
            # GumbelVQ builds quantize.proj with z_channels inputs and feeds it quant_conv's embed_dim outputs
            problems.append(f"ddconfig.z_channels {self.z_channels} differs from params.embed_dim {self.embed_dim}; "
                            "GumbelVQ needs them equal")
        if self.resolution % self.downsample_factor:
            problems.append(f"ddconfig.resolution {self.resolution} is not a multiple of the downsample factor "
                            f"{self.downsample_factor}")
        if problems:
            raise CheckpointError("Unsupported VQGAN config: " + "; ".join(problems))

    @staticmethod
    def load(path: Path) -> "VqganConfig":
        """Reads a taming ``model.yaml``; every problem names its field (``model.params.ddconfig.ch`` ...)."""
        import yaml   # python3-yaml; imported here so the OFA converter does not need it

        if not path.is_file():
            raise CheckpointError(f"Missing VQGAN config file: {path}")
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, yaml.YAMLError) as e:
            raise CheckpointError(f"Corrupt YAML in {path}: {e}") from e
        return VqganConfig.from_yaml_dict(raw, str(path))

    @staticmethod
    def from_yaml_dict(raw: Any, source: str) -> "VqganConfig":
        model = _mapping(raw, "model", source)
        target = model.get("target")
        if target not in SUPPORTED_TARGETS:
            raise CheckpointError(f"{source}: model.target is {target!r}; only GumbelVQ "
                                  f"({SUPPORTED_TARGETS[0]}) is supported")
        params = _mapping(model, "params", source, "model.")
        dd = _mapping(params, "ddconfig", source, "model.params.")
        where = "model.params.ddconfig."
        if dd.get("double_z", False) is not False:
            raise CheckpointError(f"{source}: {where}double_z is {dd.get('double_z')!r}; GumbelVQ needs false")
        return VqganConfig(
            ch=_positive(dd, "ch", source, where),
            ch_mult=_positive_list(dd, "ch_mult", source, where),
            num_res_blocks=_positive(dd, "num_res_blocks", source, where),
            attn_resolutions=_positive_list(dd, "attn_resolutions", source, where, allow_empty=True),
            z_channels=_positive(dd, "z_channels", source, where),
            embed_dim=_positive(params, "embed_dim", source, "model.params."),
            n_embed=_positive(params, "n_embed", source, "model.params."),
            resolution=_positive(dd, "resolution", source, where),
            in_channels=_positive(dd, "in_channels", source, where),
            out_ch=_positive(dd, "out_ch", source, where),
        )


def _mapping(parent: Any, field: str, source: str, where: str = "") -> Dict[str, Any]:
    value = parent.get(field) if isinstance(parent, dict) else None
    if not isinstance(value, dict):
        raise CheckpointError(f"{source}: {where}{field} is missing or not a mapping (found {value!r})")
    return value


def _positive(parent: Dict[str, Any], field: str, source: str, where: str) -> int:
    value = parent.get(field)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise CheckpointError(f"{source}: {where}{field} must be a positive integer (found {value!r})")
    return value


def _positive_list(parent: Dict[str, Any], field: str, source: str, where: str,
                   allow_empty: bool = False) -> Tuple[int, ...]:
    value = parent.get(field)
    ok = isinstance(value, (list, tuple)) and (allow_empty or value) and all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
    if not ok:
        raise CheckpointError(f"{source}: {where}{field} must be a {'' if allow_empty else 'non-empty '}list of "
                              f"positive integers (found {value!r})")
    return tuple(value)


# ---------------------------------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------------------------------

def _norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(GROUPS, channels, eps=NORM_EPS, affine=True)


def _conv3(cin: int, cout: int, stride: int = 1, padding: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, kernel_size=3, stride=stride, padding=padding)


def _swish(x: Tensor) -> Tensor:
    return x * torch.sigmoid(x)


class ResBlock(nn.Module):
    """norm-swish-conv twice plus the input (through a 1x1 conv when the width changes)."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.norm1 = _norm(cin)
        self.conv1 = _conv3(cin, cout)
        self.norm2 = _norm(cout)
        self.conv2 = _conv3(cout, cout)
        self.nin_shortcut = nn.Conv2d(cin, cout, kernel_size=1) if cin != cout else None

    def forward(self, x: Tensor) -> Tensor:
        h = self.conv1(_swish(self.norm1(x)))
        h = self.conv2(_swish(self.norm2(h)))
        skip = x if self.nin_shortcut is None else self.nin_shortcut(x)
        return skip + h


class SelfAttention2d(nn.Module):
    """One-head attention over all positions of a feature map (1x1 conv projections), added to the input."""

    def __init__(self, channels: int):
        super().__init__()
        self.norm = _norm(channels)
        self.q = nn.Conv2d(channels, channels, kernel_size=1)
        self.k = nn.Conv2d(channels, channels, kernel_size=1)
        self.v = nn.Conv2d(channels, channels, kernel_size=1)
        self.proj_out = nn.Conv2d(channels, channels, kernel_size=1)
        self.scale = channels ** -0.5

    def forward(self, x: Tensor) -> Tensor:
        h = self.norm(x)
        b, c, height, width = h.shape
        q = self.q(h).flatten(2)                                   # [B, C, N]
        k = self.k(h).flatten(2)
        v = self.v(h).flatten(2)
        weights = torch.softmax(torch.bmm(q.transpose(1, 2), k) * self.scale, dim=2)   # [B, Nq, Nk]
        out = torch.bmm(v, weights.transpose(1, 2)).reshape(b, c, height, width)
        return x + self.proj_out(out)


class Downsample(nn.Module):
    """Stride-2 3x3 conv after padding one pixel right and bottom (taming's asymmetric padding)."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = _conv3(channels, channels, stride=2, padding=0)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class Upsample(nn.Module):
    """Nearest-neighbour x2, then a 3x3 conv."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = _conv3(channels, channels)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class Level(nn.Module):
    """One resolution of the encoder or decoder: res blocks, each followed by attention where the level has it."""

    def __init__(self, widths: List[Tuple[int, int]], with_attention: bool):
        super().__init__()
        self.block = nn.ModuleList([ResBlock(cin, cout) for cin, cout in widths])
        self.attn = nn.ModuleList([SelfAttention2d(cout) for _, cout in widths] if with_attention else [])

    def run(self, x: Tensor) -> Tensor:
        for i, block in enumerate(self.block):
            x = block(x)
            if len(self.attn):
                x = self.attn[i](x)
        return x


class Middle(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.block_1 = ResBlock(channels, channels)
        self.attn_1 = SelfAttention2d(channels)
        self.block_2 = ResBlock(channels, channels)

    def run(self, x: Tensor) -> Tensor:
        return self.block_2(self.attn_1(self.block_1(x)))


class Encoder(nn.Module):
    def __init__(self, cfg: VqganConfig):
        super().__init__()
        self.conv_in = _conv3(cfg.in_channels, cfg.ch)
        self.down = nn.ModuleList()
        width, res = cfg.ch, cfg.resolution
        for i, mult in enumerate(cfg.ch_mult):
            out = cfg.ch * mult
            level = Level([(width if j == 0 else out, out) for j in range(cfg.num_res_blocks)],
                          res in cfg.attn_resolutions)
            width = out
            if i < len(cfg.ch_mult) - 1:
                level.downsample = Downsample(width)
                res //= 2
            self.down.append(level)
        self.mid = Middle(width)
        self.norm_out = _norm(width)
        self.conv_out = _conv3(width, cfg.z_channels)

    def forward(self, x: Tensor) -> Tensor:
        h = self.conv_in(x)
        for level in self.down:
            h = level.run(h)
            if hasattr(level, "downsample"):
                h = level.downsample(h)
        h = self.mid.run(h)
        return self.conv_out(_swish(self.norm_out(h)))


class Decoder(nn.Module):
    def __init__(self, cfg: VqganConfig):
        super().__init__()
        width = cfg.ch * cfg.ch_mult[-1]
        res = cfg.resolution // cfg.downsample_factor
        self.conv_in = _conv3(cfg.z_channels, width)
        self.mid = Middle(width)
        levels: List[Level] = []
        for i in reversed(range(len(cfg.ch_mult))):   # coarsest first; stored finest first, as the checkpoint
            out = cfg.ch * cfg.ch_mult[i]
            level = Level([(width if j == 0 else out, out) for j in range(cfg.num_res_blocks + 1)],
                          res in cfg.attn_resolutions)
            width = out
            if i > 0:
                level.upsample = Upsample(width)
                res *= 2
            levels.append(level)
        self.up = nn.ModuleList(reversed(levels))
        self.norm_out = _norm(width)
        self.conv_out = _conv3(width, cfg.out_ch)

    def forward(self, z: Tensor) -> Tensor:
        h = self.mid.run(self.conv_in(z))
        for level in reversed(self.up):
            h = level.run(h)
            if hasattr(level, "upsample"):
                h = level.upsample(h)
        return self.conv_out(_swish(self.norm_out(h)))


class Quantizer(nn.Module):
    """The Gumbel quantizer's two parameters: ``proj`` (features -> code logits) and the codebook ``embed``."""

    def __init__(self, cfg: VqganConfig):
        super().__init__()
        self.proj = nn.Conv2d(cfg.z_channels, cfg.n_embed, kernel_size=1)
        self.embed = nn.Embedding(cfg.n_embed, cfg.embed_dim)


class GumbelVq(nn.Module):
    def __init__(self, cfg: VqganConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)
        self.quant_conv = nn.Conv2d(cfg.z_channels, cfg.embed_dim, kernel_size=1)
        self.post_quant_conv = nn.Conv2d(cfg.embed_dim, cfg.z_channels, kernel_size=1)
        self.quantize = Quantizer(cfg)

    def prequant(self, images: Tensor) -> Tensor:
        """quant_conv(encoder(x)): [B, embed_dim, S/f, S/f]."""
        return self.quant_conv(self.encoder(images))

    def code_logits(self, images: Tensor) -> Tensor:
        """The quantizer's logits over the codebook at every position: [B, n_embed, S/f, S/f]."""
        return self.quantize.proj(self.prequant(images))

    def codes(self, images: Tensor) -> Tensor:
        """[B, S/f, S/f] int64, the argmax code at each position (ties: the lower code)."""
        return self.code_logits(images).argmax(dim=1)

    def decode_codes(self, codes: Tensor) -> Tensor:
        """[B, h, w] codes -> [B, out_ch, h*f, w*f] pixels, about [-1, 1]."""
        z = self.quantize.embed(codes).permute(0, 3, 1, 2)
        return self.decoder(self.post_quant_conv(z))


def to_uint8(pixels: Tensor) -> Tensor:
    """OFA's ``custom_to_pil`` on [..., 3, H, W]: clamp to [-1, 1], (x+1)/2, times 255 in float32, truncated to
    uint8 -> [..., H, W, 3]."""
    x = (torch.clamp(pixels.detach().cpu(), -1.0, 1.0) + 1.0) / 2.0
    return torch.from_numpy((255 * x.movedim(-3, -1).numpy()).astype("uint8"))
