"""OFA checkpoint -> ONNX model package (``ofa-model.json`` + three graphs + vocabulary).

    python3 -m ofa_export.convert --checkpoint ofa-tiny/ --output packages/ofa-tiny [--dtype fp16]

Graphs (all axes that vary at run time are dynamic: batch, prompt length, image size, decode step):
- ``encoder.onnx``   patch_images [B,3,S,S] f32, input_ids [B,L] i64
                     -> encoder_hidden_states [B,N+L,d], encoder_padding_mask [B,N+L] bool,
                        encoder_position_embedding [B,N+L,d]
- ``cross_kv.onnx``  encoder_hidden_states, encoder_position_embedding
                     -> cross_key_i, cross_value_i [B,H,N+L,hd] per decoder layer, cross_pos_key [B,H,N+L,hd]
                     (run once per sequence: the decoder never recomputes them)
- ``decoder.onnx``   input_ids [B,T], past_key_i/past_value_i [B,H,P,hd], cross_*, encoder_padding_mask
                     -> logits [B,T,V], present_key_i/present_value_i [B,H,P+T,hd]
                     (P = 0 with an empty past teacher-forces T tokens in one call; T = 1 is one decode step)

and two for writing image codes (text-to-image, image infilling; see ``model.py``):
- ``text_encoder.onnx`` input_ids [B,L] -> the encoder's three outputs for the text alone (no image)
- ``code_decoder.onnx`` the decoder's inputs + past_pos_key [1,H,P,hd] + code_grid_width [1] i64 -> the
                     decoder's outputs + present_pos_key [1,H,P+T,hd] (the position keys, cached like K/V), with the
                     image-position table laid out on a code_grid_width square grid (32 for 256 px images, 16 for
                     the 128 px middle of image infilling)
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Dict, List

import onnx
import torch
from torch import Tensor, nn

from . import __version__
from .checkpoint import Checkpoint, load_checkpoint
from .errors import CheckpointError
from .external_data import MODES as EXTERNAL_DATA_MODES, pack_graph
from .fp16 import convert_to_fp16
from .model import PATCH_STRIDE, OfaModel
from .vocab import VocabularyLayout, read_vocabulary_layout

OPSET = 17
FORMAT_VERSION = 2
MAX_IMAGE_SIZE = 512  # OFA's fixed max_image_size in the bin <-> pixel formula
TASK_RESOLUTION = {"caption": 480, "vqa": 480, "entailment": 480, "classification": 480, "itm": 480,
                   "score": 480, "grounding": 512, "region_caption": 512, "detection": 512}


class _EncoderGraph(nn.Module):
    def __init__(self, model: OfaModel):
        super().__init__()
        self.encoder = model.encoder

    def forward(self, patch_images: Tensor, input_ids: Tensor):
        out = self.encoder(patch_images, input_ids)
        return out.states, out.padding_mask, out.position


class _CrossGraph(nn.Module):
    def __init__(self, model: OfaModel):
        super().__init__()
        self.decoder = model.decoder

    def forward(self, encoder_hidden_states: Tensor, encoder_position_embedding: Tensor):
        return tuple(self.decoder.cross_kv(encoder_hidden_states, encoder_position_embedding))


class _TextEncoderGraph(nn.Module):
    def __init__(self, model: OfaModel):
        super().__init__()
        self.encoder = model.encoder

    def forward(self, input_ids: Tensor):
        out = self.encoder.forward_text(input_ids)
        return out.states, out.padding_mask, out.position


class _CodeDecoderGraph(nn.Module):
    def __init__(self, model: OfaModel):
        super().__init__()
        self.decoder = model.decoder
        self.layers = model.cfg.decoder_layers

    def forward(self, input_ids: Tensor, *rest: Tensor):
        n = 2 * self.layers + 1   # the layers' keys/values, then the position keys
        past, past_order, cross = rest[:n], rest[n], rest[n + 1:2 * n + 1]
        padding_mask, grid_width = rest[2 * n + 1], rest[2 * n + 2]
        logits, present = self.decoder.forward_codes(input_ids, past, past_order, cross, padding_mask, grid_width)
        return (logits, *present)


class _DecoderGraph(nn.Module):
    def __init__(self, model: OfaModel):
        super().__init__()
        self.decoder = model.decoder
        self.layers = model.cfg.decoder_layers

    def forward(self, input_ids: Tensor, *rest: Tensor):
        n = 2 * self.layers
        past, past_order, cross, padding_mask = rest[:n], rest[n], rest[n + 1:2 * n + 2], rest[2 * n + 2]
        logits, present = self.decoder(input_ids, past, past_order, cross, padding_mask)
        return (logits, *present)


def graph_names(layers: int) -> Dict[str, Dict[str, List[str]]]:
    kv = lambda prefix: [f"{prefix}_{kind}_{i}" for i in range(layers) for kind in ("key", "value")]
    cross = kv("cross") + ["cross_pos_key"]
    return {
        "encoder": {"inputs": ["patch_images", "input_ids"],
                    "outputs": ["encoder_hidden_states", "encoder_padding_mask", "encoder_position_embedding"]},
        "cross_kv": {"inputs": ["encoder_hidden_states", "encoder_position_embedding"], "outputs": cross},
        "decoder": {"inputs": ["input_ids"] + kv("past") + ["past_order"] + cross + ["encoder_padding_mask"],
                    "outputs": ["logits"] + kv("present")},
        "text_encoder": {"inputs": ["input_ids"],
                         "outputs": ["encoder_hidden_states", "encoder_padding_mask", "encoder_position_embedding"]},
        "code_decoder": {"inputs": ["input_ids"] + kv("past") + ["past_pos_key", "past_order"] + cross
                         + ["encoder_padding_mask", "code_grid_width"],
                         "outputs": ["logits"] + kv("present") + ["present_pos_key"]},
    }


def export_graphs(model: OfaModel, out_dir: Path, trace_resolution: int = 64, external_data: str = "auto",
                  transform=None) -> Dict[str, Dict]:
    """Trace the graphs into out_dir; trace shapes are small and differ per axis so none is baked in.
    ``transform`` (fp16) rewrites each traced graph before ``pack_graph`` writes it, its weights embedded or in one
    ``NAME.onnx.data`` file (``external_data``: auto or always); a graph's entry then names that file."""
    cfg = model.cfg
    names = graph_names(cfg.decoder_layers)
    heads, hd = cfg.decoder_attention_heads, cfg.d_model // cfg.decoder_attention_heads
    batch, text_len, past_len, new_len = 2, 5, 3, 1
    images = torch.randn(batch, 3, trace_resolution, trace_resolution)
    input_ids = torch.tensor([[cfg.bos_token_id, 10, 11, 12, cfg.eos_token_id],
                              [cfg.bos_token_id, 10, cfg.eos_token_id, cfg.pad_token_id, cfg.pad_token_id]])
    assert input_ids.shape == (batch, text_len)
    with torch.no_grad():
        enc = model.encoder(images, input_ids)
        cross = model.decoder.cross_kv(enc.states, enc.position)
    src = enc.states.shape[1]
    beams = 3   # rows = sentences * beams, so the grouped cross-attention is traced with groups of 3
    past = [torch.randn(batch * beams, heads, past_len, hd) for _ in range(2 * cfg.decoder_layers)]
    past_order = torch.tensor([2, 0, 1, 5, 3, 4])
    dec_ids = torch.tensor([[cfg.bos_token_id]] * (batch * beams))

    def dyn(names_axes):
        return {n: axes for n, axes in names_axes}

    cross_axes = {0: "batch", 1: "heads", 2: "src_len", 3: "head_dim"}
    exports = [
        ("encoder", _EncoderGraph(model), (images, input_ids), dyn([
            ("patch_images", {0: "batch", 2: "height", 3: "width"}), ("input_ids", {0: "batch", 1: "text_len"}),
            ("encoder_hidden_states", {0: "batch", 1: "src_len"}), ("encoder_padding_mask", {0: "batch", 1: "src_len"}),
            ("encoder_position_embedding", {0: "batch", 1: "src_len"})])),
        ("cross_kv", _CrossGraph(model), (enc.states, enc.position), dyn(
            [("encoder_hidden_states", {0: "batch", 1: "src_len"}),
             ("encoder_position_embedding", {0: "batch", 1: "src_len"})]
            + [(n, cross_axes) for n in names["cross_kv"]["outputs"]])),
        ("decoder", _DecoderGraph(model), (dec_ids, *past, past_order, *cross, enc.padding_mask), dyn(
            [("input_ids", {0: "rows", 1: "new_len"}), ("encoder_padding_mask", {0: "batch", 1: "src_len"}),
             ("past_order", {0: "rows"}), ("logits", {0: "rows", 1: "new_len"})]
            + [(n, {0: "past_rows", 1: "heads", 2: "past_len", 3: "head_dim"})
               for n in names["decoder"]["inputs"] if n.startswith("past_") and n != "past_order"]
            + [(n, cross_axes) for n in names["cross_kv"]["outputs"]]
            + [(n, {0: "rows", 1: "heads", 2: "total_len", 3: "head_dim"})
               for n in names["decoder"]["outputs"] if n.startswith("present_")])),
    ]
    decoder_axes = exports[2][3]
    exports += [
        ("text_encoder", _TextEncoderGraph(model), (input_ids,), dyn([
            ("input_ids", {0: "batch", 1: "text_len"}), ("encoder_hidden_states", {0: "batch", 1: "src_len"}),
            ("encoder_padding_mask", {0: "batch", 1: "src_len"}),
            ("encoder_position_embedding", {0: "batch", 1: "src_len"})])),
        ("code_decoder", _CodeDecoderGraph(model),
         (dec_ids, *past, torch.randn(1, heads, past_len, hd), past_order, *cross, enc.padding_mask,
          torch.tensor([4])),
         {**decoder_axes, "past_pos_key": {2: "past_len"}, "present_pos_key": {2: "total_len"}}),
    ]
    assert src == enc.padding_mask.shape[1] and new_len == dec_ids.shape[1] and past_order.shape[0] == len(dec_ids)
    for name, module, args, axes in exports:
        # each graph traced into a folder of its own: above 2 GB torch scatters its weights there as loose
        # tensor files, which pack_graph gathers into one NAME.onnx.data beside NAME.onnx
        work = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=out_dir))
        try:
            traced = work / f"{name}.onnx"
            with torch.no_grad():
                torch.onnx.export(module, args, str(traced), input_names=names[name]["inputs"],
                                  output_names=names[name]["outputs"], dynamic_axes=axes, opset_version=OPSET,
                                  do_constant_folding=True)
            if transform is not None:
                transform(traced)
            data = pack_graph(traced, out_dir / f"{name}.onnx", external_data)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        onnx.checker.check_model(str(out_dir / f"{name}.onnx"))
        if data is not None:
            names[name]["external_data"] = data
    return names


def write_manifest(out_dir: Path, model: OfaModel, ckpt: Checkpoint, layout: VocabularyLayout, dtype: str,
                   names: Dict[str, Dict[str, List[str]]], name: str, resolution: int | None = None) -> Dict:
    cfg = model.cfg
    per_task = dict(TASK_RESOLUTION) if resolution is None else {task: resolution for task in TASK_RESOLUTION}
    manifest = {
        "format_version": FORMAT_VERSION,
        "name": name,
        "dtype": dtype,
        "model_config": {
            "d_model": cfg.d_model, "encoder_layers": cfg.encoder_layers, "decoder_layers": cfg.decoder_layers,
            "encoder_attention_heads": cfg.encoder_attention_heads,
            "decoder_attention_heads": cfg.decoder_attention_heads,
            "head_dim": cfg.d_model // cfg.decoder_attention_heads,
            "encoder_ffn_dim": cfg.encoder_ffn_dim, "decoder_ffn_dim": cfg.decoder_ffn_dim,
            "resnet_type": cfg.resnet_type, "vocab_size": cfg.vocab_size,
            "max_positions": cfg.max_position_embeddings, "token_bucket_size": cfg.token_bucket_size,
            "image_bucket_size": cfg.image_bucket_size, "patch_stride": PATCH_STRIDE,
            "parameters": sum(p.numel() for p in model.parameters()),
        },
        "special_ids": {"bos": cfg.bos_token_id, "pad": cfg.pad_token_id, "eos": cfg.eos_token_id,
                        "unk": layout.unk_id, "mask": layout.mask_id},
        "vocabulary": {"vocab_file": "vocab.json", "merges_file": "merges.txt",
                       "text_size": layout.text_size, "code_first_id": layout.code_first_id,
                       "num_codes": layout.num_codes, "bin_first_id": layout.bin_first_id,
                       "num_bins": layout.num_bins},
        "image": {"resolution": per_task, "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5],
                  "resample": "bicubic", "max_image_size": MAX_IMAGE_SIZE,
                  "max_resolution": cfg.image_bucket_size * PATCH_STRIDE},
        "graphs": {g: {"file": f"{g}.onnx", **io} for g, io in names.items()},
        "source": {"checkpoint_weights_sha256": ckpt.weights_sha256, "converter_version": __version__,
                   "torch_version": torch.__version__, "onnx_opset": OPSET},
    }
    (out_dir / "ofa-model.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def image_resolution(checkpoint_dir: Path, resolution: int | None, max_resolution: int) -> int | None:
    """The one input resolution for every task: given, or the checkpoint's ``image_resolution`` (written by
    ``./ofa train``); None keeps OFA's published per-task resolutions (480, grounding and detection 512)."""
    if resolution is None:
        try:
            resolution = json.loads((checkpoint_dir / "config.json").read_text(encoding="utf-8")).get(
                "image_resolution")
        except (OSError, ValueError):
            resolution = None   # load_checkpoint has already named a missing or corrupt config
    if resolution is None:
        return None
    if not isinstance(resolution, int) or resolution < PATCH_STRIDE or resolution % PATCH_STRIDE \
            or resolution > max_resolution:
        raise CheckpointError(f"Image resolution {resolution!r} is not a multiple of {PATCH_STRIDE} in "
                              f"[{PATCH_STRIDE}, {max_resolution}] (image_bucket_size x {PATCH_STRIDE})")
    return resolution


VQGAN_FOLDER = "vqgan"


def check_vqgan_package(vqgan: Path, num_codes: int) -> Dict:
    """The manifest of a converted VQGAN package (``./ofa convert-vqgan``) whose codes are the vocabulary's."""
    from .vqgan_export import MANIFEST as VQGAN_MANIFEST

    manifest_file = vqgan / VQGAN_MANIFEST
    if not manifest_file.is_file():
        raise CheckpointError(f"--vqgan {vqgan} is not a VQGAN package (no {VQGAN_MANIFEST}; make one with "
                              "./ofa convert-vqgan)")
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"Corrupt VQGAN manifest {manifest_file}: {e}") from e
    if manifest.get("kind") != "vqgan" or manifest.get("num_codes") != num_codes:
        raise CheckpointError(f"VQGAN package {vqgan} has {manifest.get('num_codes')!r} codes, the OFA vocabulary "
                              f"{num_codes} image codes: they must be the same")
    return manifest


def _fp16_beside(graph: Path) -> None:
    convert_to_fp16(graph, weights_beside=True)   # pack_graph embeds them or gathers them into NAME.onnx.data


def convert(checkpoint_dir: Path, output: Path, dtype: str = "fp32", name: str | None = None,
            overwrite: bool = False, resolution: int | None = None, vqgan: Path | None = None,
            external_data: str = "auto") -> Dict:
    """Convert one checkpoint. The package appears at ``output`` whole or not at all. ``vqgan``, a converted VQGAN
    package, is copied into the package's ``vqgan/`` folder and named in the manifest, so that image generation
    and infilling find it with the model wherever the package travels (a zip shipped to executors included)."""
    if dtype not in ("fp32", "fp16"):
        raise CheckpointError(f"Unknown dtype {dtype!r}, expected one of ['fp32', 'fp16']")
    if external_data not in EXTERNAL_DATA_MODES:
        raise CheckpointError(f"Unknown external data mode {external_data!r}, expected one of "
                              f"{list(EXTERNAL_DATA_MODES)}")
    if output.exists() and not overwrite:
        raise CheckpointError(f"Output {output} already exists; remove it or pass --overwrite")
    model, ckpt = load_checkpoint(checkpoint_dir)
    layout = read_vocabulary_layout(ckpt.vocab_file, ckpt.merges_file, model.cfg.vocab_size)
    resolution = image_resolution(checkpoint_dir, resolution, model.cfg.image_bucket_size * PATCH_STRIDE)
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.partial-", dir=output.parent))
    try:
        names = export_graphs(model, staging, external_data=external_data,
                              transform=_fp16_beside if dtype == "fp16" else None)
        shutil.copyfile(ckpt.vocab_file, staging / "vocab.json")
        shutil.copyfile(ckpt.merges_file, staging / "merges.txt")
        vqgan_manifest = None
        if vqgan is not None:
            vqgan_manifest = check_vqgan_package(vqgan, layout.num_codes)
            shutil.copytree(vqgan, staging / VQGAN_FOLDER)
        manifest = write_manifest(staging, model, ckpt, layout, dtype, names,
                                  name or checkpoint_dir.resolve().name, resolution)
        if vqgan_manifest is not None:
            manifest["vqgan"] = {"folder": VQGAN_FOLDER, "name": vqgan_manifest["name"]}
            (staging / "ofa-model.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        if output.exists():
            shutil.rmtree(output)
        os.replace(staging, output)
        return manifest
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
