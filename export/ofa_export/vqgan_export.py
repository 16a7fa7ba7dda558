"""VQGAN checkpoint -> ONNX VQGAN package (``vqgan-model.json`` + two graphs).

    convert_vqgan(Path("checkpoints/vqgan"), Path("packages/vqgan"))

Graphs (opset 17; batch, height and width dynamic, so one package encodes 256 px images and 128 px crops alike):
- ``vqgan_encoder.onnx``  images [B,3,H,W] f32 in [-1,1] -> codes [B,H/f,W/f] i64 (argmax of the quantizer's
                          logits), code_margin [B,H/f,W/f] f32 (top-1 minus top-2 logit: where it is tiny another
                          implementation may pick the other code)
- ``vqgan_decoder.onnx``  codes [B,h,w] i64 -> pixels [B,3,h*f,w*f] f32 (about [-1,1]; the runtime applies OFA's
                          clamp, scale and truncation to uint8)

The manifest records the config, the code count, the image size and downsample factor, the graph names, the SHA-256
of the source files and the converter's version. The package is written to a staging folder beside the output and
moved into place, so it appears whole or not at all.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Dict, List

import onnx
import torch
from torch import Tensor, nn

from . import __version__
from .errors import CheckpointError
from .fp16 import convert_to_fp16
from .vqgan import GumbelVq
from .vqgan_checkpoint import VqganCheckpoint, load_vqgan

OPSET = 17
FORMAT_VERSION = 1
MANIFEST = "vqgan-model.json"
GRAPHS: Dict[str, Dict[str, List[str]]] = {
    "encoder": {"inputs": ["images"], "outputs": ["codes", "code_margin"]},
    "decoder": {"inputs": ["codes"], "outputs": ["pixels"]},
}


class _EncoderGraph(nn.Module):
    def __init__(self, model: GumbelVq):
        super().__init__()
        self.model = model

    def forward(self, images: Tensor):
        logits = self.model.code_logits(images)
        top = torch.topk(logits, 2, dim=1).values
        return logits.argmax(dim=1), top[:, 0] - top[:, 1]


class _DecoderGraph(nn.Module):
    def __init__(self, model: GumbelVq):
        super().__init__()
        self.model = model

    def forward(self, codes: Tensor):
        return self.model.decode_codes(codes)


def export_graphs(model: GumbelVq, out_dir: Path) -> None:
    """Traces both graphs at a small size (batch 2, a non-square image) so that no axis is baked in."""
    f = model.cfg.downsample_factor
    images = torch.rand(2, model.cfg.in_channels, 4 * f, 3 * f) * 2 - 1
    codes = torch.randint(0, model.cfg.n_embed, (2, 4, 3))
    grid = {0: "batch", 1: "code_rows", 2: "code_cols"}
    exports = [
        ("encoder", _EncoderGraph(model), (images,),
         {"images": {0: "batch", 2: "height", 3: "width"}, "codes": grid, "code_margin": grid}),
        ("decoder", _DecoderGraph(model), (codes,),
         {"codes": grid, "pixels": {0: "batch", 2: "height", 3: "width"}}),
    ]
    for name, module, args, axes in exports:
        path = out_dir / f"vqgan_{name}.onnx"
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)   # the exporter's notes on shape inference, not errors
            torch.onnx.export(module, args, str(path), input_names=GRAPHS[name]["inputs"],
                              output_names=GRAPHS[name]["outputs"], dynamic_axes=axes, opset_version=OPSET,
                              do_constant_folding=True)
        onnx.checker.check_model(str(path))


def write_manifest(out_dir: Path, model: GumbelVq, ckpt: VqganCheckpoint, name: str, dtype: str = "fp32") -> Dict:
    cfg = model.cfg
    manifest = {
        "format_version": FORMAT_VERSION,
        "kind": "vqgan",
        "name": name,
        "dtype": dtype,
        "architecture": "taming-transformers GumbelVQ",
        "config": cfg.to_dict(),
        "num_codes": cfg.n_embed,
        "image_size": cfg.resolution,
        "downsample_factor": cfg.downsample_factor,
        "code_grid": cfg.code_grid,
        "parameters": sum(p.numel() for p in model.parameters()),
        "preprocess": {"resize": "bicubic", "resize_to": cfg.resolution, "scale": "2 * (x / 255) - 1"},
        "postprocess": "clamp to [-1, 1], (x + 1) / 2, times 255, truncated to uint8",
        "codes_rule": "argmax of the quantizer's logits (the reference draws gumbel_softmax samples even in eval "
                      "mode; the argmax is that draw's mode)",
        "graphs": {g: {"file": f"vqgan_{g}.onnx", **io} for g, io in GRAPHS.items()},
        "source": {"config_sha256": ckpt.config_sha256, "checkpoint_sha256": ckpt.weights_sha256,
                   "ignored_training_keys": ckpt.ignored_training_keys, "converter_version": __version__,
                   "torch_version": torch.__version__, "onnx_opset": OPSET},
    }
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def convert_vqgan(checkpoint_dir: Path, output: Path, name: str | None = None, overwrite: bool = False,
                  dtype: str = "fp32") -> Dict:
    """Convert one VQGAN checkpoint folder. The package appears at ``output`` whole or not at all. ``dtype`` fp16
    writes graphs that compute in half precision behind an fp32 interface (``fp16.convert_to_fp16``, as the OFA
    converter's fp16 packages), for GPU executors."""
    if dtype not in ("fp32", "fp16"):
        raise CheckpointError(f"Unknown dtype {dtype!r}, expected one of ['fp32', 'fp16']")
    if output.exists() and not overwrite:
        raise CheckpointError(f"Output {output} already exists; remove it or pass --overwrite")
    model, ckpt = load_vqgan(checkpoint_dir)
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.partial-", dir=output.parent))
    try:
        export_graphs(model, staging)
        if dtype == "fp16":
            for graph in GRAPHS:
                convert_to_fp16(staging / f"vqgan_{graph}.onnx")
        manifest = write_manifest(staging, model, ckpt, name or _default_name(checkpoint_dir), dtype)
        if output.exists():
            shutil.rmtree(output)
        os.replace(staging, output)
        return manifest
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _default_name(checkpoint_dir: Path) -> str:
    folder = checkpoint_dir.resolve()
    return folder.parent.name + "-vqgan" if folder.name == "vqgan" else folder.name
