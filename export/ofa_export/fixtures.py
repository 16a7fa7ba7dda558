"""Build the converted packages and PyTorch goldens the Java suite reads (run by Maven before the Java tests).

    python3 -m ofa_export.fixtures --output ofa-udf/target/fixtures [--reference testdata/ofa-reference]

Writes, each folder skipped when its stamp says its inputs did not change:
- ``reference/package``: the reference fixture's checkpoint converted; ``reference/images_<name>_<S>.npy``: the
  Pillow-preprocessed tensors of its images, so the Java parity test can hold ONNX Runtime to ``expected.json``;
- ``reference/parity``: PyTorch-vs-graph parity cases at 256/480/512, batch 1 and 3;
- ``generated/package`` + ``generated/parity``: a generated checkpoint of another size family (ResNet-101, depths
  3+2, d=64) converted, with the same parity cases; ``generated/package-fp16``: the same in half precision;
  ``generated/package-external``: the same with each graph's weights in one ``NAME.onnx.data`` (the layout of
  OFA-large and -huge);
- ``vqgan/``: the VQGAN packages and goldens of ``ofa_export.vqgan_fixtures`` (keyed by their own modules' hash).
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch

from . import vqgan_fixtures
from .checkpoint import load_checkpoint
from .export import convert
from .parity import write_cases
from .preprocess import preprocess_image
from .testing import fit_bpe, full_vocab_size, small_config, write_checkpoint

HERE = Path(__file__).resolve().parent
CORPUS_FOR_TEST_VOCAB = (
    " what does the image describe? which region does the text describe? what are the objects in the image?"
    " does the image describe? how many people are there? what color is the shape? a man riding a horse on a"
    " beach. two dogs playing in the snow. the red circle on the left. the small blue square. yes no maybe")


def _stamp(paths) -> str:
    h = hashlib.sha256()
    for p in sorted(Path(x) for x in paths):
        for f in sorted(p.rglob("*")) if p.is_dir() else [p]:
            # the VQGAN modules make only the VQGAN fixtures, which carry their own stamp
            if f.is_file() and "__pycache__" not in f.parts and not f.name.startswith(("vqgan", "make_vqgan")):
                h.update(str(f.name).encode())
                h.update(f.read_bytes())
    return h.hexdigest()


def _fresh(folder: Path, stamp: str) -> bool:
    return (folder / ".stamp").is_file() and (folder / ".stamp").read_text() == stamp


def build_reference(reference: Path, out: Path, stamp: str) -> None:
    if _fresh(out, stamp):
        return
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = Path(tmp) / "hf"
        shutil.copytree(reference / "hf", ckpt)
        gz = ckpt / "pytorch_model.bin.gz"
        with gzip.open(gz, "rb") as src, (ckpt / "pytorch_model.bin").open("wb") as dst:
            shutil.copyfileobj(src, dst)
        gz.unlink()
        convert(ckpt, out / "package", name="ofa-reference-fixture")
        model, _ = load_checkpoint(ckpt)
        text_vocab = len(json.loads((ckpt / "vocab.json").read_text()))
        write_cases(model, text_vocab, out / "parity", [256, 480, 512], [1, 3])
    expected = json.loads((reference / "expected.json").read_text())
    for case in expected["preprocess"]:
        image = next(i for i in expected["images"] if i["name"] == case["image"])
        tensor = preprocess_image(reference / image["file"], case["size"])
        np.save(out / f"images_{case['image']}_{case['size']}.npy", tensor.numpy())
    (out / ".stamp").write_text(stamp)


def build_generated(out: Path, stamp: str) -> None:
    if _fresh(out, stamp):
        return
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    vocab, merges = fit_bpe(CORPUS_FOR_TEST_VOCAB, 120)
    cfg = small_config("medium", full_vocab_size(vocab), d_model=64, layers=(3, 2), heads=4)
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = Path(tmp) / "ofa-medium-family-small"
        model = write_checkpoint(ckpt, cfg, vocab, merges, seed=11, with_buffers=True)
        convert(ckpt, out / "package")
        convert(ckpt, out / "package-fp16", dtype="fp16")
        # the layout of OFA-large and -huge (one NAME.onnx.data per graph), forced on the small model
        convert(ckpt, out / "package-external", external_data="always")
        model.eval()
        write_cases(model, len(vocab), out / "parity", [256, 480, 512], [1, 3])
    (out / ".stamp").write_text(stamp)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--output", required=True, type=Path)
    p.add_argument("--reference", type=Path,
                   default=Path(os.environ.get("OFA_REFERENCE_FIXTURE") or HERE.parent.parent / "testdata" / "ofa-reference"),
                   help="reference fixture folder (default: $OFA_REFERENCE_FIXTURE, else testdata/ofa-reference)")
    p.add_argument("--vqgan-reference", type=Path, default=HERE.parent.parent / "testdata" / "vqgan-reference",
                   help="VQGAN reference fixture folder (default: testdata/vqgan-reference)")
    args = p.parse_args(argv)
    torch.manual_seed(0)
    code = _stamp([HERE])
    build_reference(args.reference, args.output / "reference", code + _stamp([args.reference]))
    build_generated(args.output / "generated", code)
    vqgan_fixtures.build(args.vqgan_reference, args.output / "vqgan")
    print(f"Java test fixtures ready in {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
