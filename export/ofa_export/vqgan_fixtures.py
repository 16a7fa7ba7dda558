"""The VQGAN packages and PyTorch goldens the Java suite compares against (called by ``ofa_export.fixtures``).

    python3 -m ofa_export.vqgan_fixtures --output ofa-udf/target/fixtures/vqgan

Writes, each folder rebuilt when the content hash of the modules that make it (or of the reference fixture)
changes, not only when it is missing:
- ``reference/package``: testdata/vqgan-reference converted (``reference/package-fp16``: the same in half
  precision); ``reference/input_<image>.npy``: Pillow's
  preprocessing of its images (resize 256 BICUBIC, /255, 2x-1), so Java can be held to Pillow and to
  ``expected.json`` separately;
- ``real/package``: a random checkpoint of the published shape (ch 128, 2 res blocks, z 256) converted, with
  PyTorch goldens: ``input.npy`` (both reference images at 256, one batch), ``codes.npy`` / ``margins.npy`` of
  that batch, ``crop_codes.npy`` / ``crop_margins.npy`` of the middle 128 x 128 of each (image infilling's target),
  ``decoded.npy`` of
  ``codes.npy``, and ``crop_decoded.npy`` of ``crop_codes.npy``.
"""
from __future__ import annotations

import argparse
import hashlib
import shutil
from pathlib import Path

import numpy as np
import torch

from .make_vqgan_checkpoint import REAL_SHAPE, write_vqgan_checkpoint
from .preprocess import preprocess_image
from .vqgan_export import convert_vqgan

HERE = Path(__file__).resolve().parent
SOURCES = ("vqgan.py", "vqgan_checkpoint.py", "vqgan_export.py", "make_vqgan_checkpoint.py", "vqgan_fixtures.py",
           "preprocess.py", "fp16.py")
REAL_SEED = 20261202
IMAGES = ("astronaut.png", "hubble_deep_field.jpg")


def sources_stamp(extra: Path | None = None) -> str:
    h = hashlib.sha256()
    for name in SOURCES:
        h.update(name.encode())
        h.update((HERE / name).read_bytes())
    if extra is not None:
        for f in sorted(extra.rglob("*")):
            if f.is_file():
                h.update(str(f.relative_to(extra)).encode())
                h.update(f.read_bytes())
    return h.hexdigest()


def _fresh(folder: Path, stamp: str) -> bool:
    return (folder / ".stamp").is_file() and (folder / ".stamp").read_text() == stamp


def build_reference(reference: Path, out: Path) -> None:
    stamp = sources_stamp(reference)
    if _fresh(out, stamp):
        return
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    convert_vqgan(reference / "vqgan", out / "package", name="vqgan-reference-fixture")
    convert_vqgan(reference / "vqgan", out / "package-fp16", name="vqgan-reference-fixture-fp16", dtype="fp16")
    for file in IMAGES:
        np.save(out / f"input_{Path(file).stem}.npy", preprocess_image(reference / "images" / file, 256).numpy())
    (out / ".stamp").write_text(stamp)


@torch.no_grad()
def build_real(images: Path, out: Path) -> None:
    stamp = sources_stamp()
    if _fresh(out, stamp):
        return
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    ckpt = out / "checkpoint"
    model = write_vqgan_checkpoint(ckpt, REAL_SHAPE, REAL_SEED)
    convert_vqgan(ckpt, out / "package", name="vqgan-real-shape-random")
    shutil.rmtree(ckpt)
    x = torch.cat([preprocess_image(images / f, 256) for f in IMAGES])
    logits = model.code_logits(x)
    top = logits.topk(2, dim=1).values
    codes = logits.argmax(1)
    crop_logits = model.code_logits(x[:, :, 64:192, 64:192].contiguous())
    crop_top = crop_logits.topk(2, dim=1).values
    crop_codes = crop_logits.argmax(1)
    np.save(out / "input.npy", x.numpy())
    np.save(out / "codes.npy", codes.numpy())
    np.save(out / "margins.npy", (top[:, 0] - top[:, 1]).numpy())
    np.save(out / "crop_codes.npy", crop_codes.numpy())
    np.save(out / "crop_margins.npy", (crop_top[:, 0] - crop_top[:, 1]).numpy())
    np.save(out / "decoded.npy", model.decode_codes(codes).numpy())
    np.save(out / "crop_decoded.npy", model.decode_codes(crop_codes).numpy())
    (out / ".stamp").write_text(stamp)


def build(reference: Path, out: Path) -> None:
    torch.manual_seed(0)
    build_reference(reference, out / "reference")
    build_real(reference / "images", out / "real")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--output", required=True, type=Path)
    p.add_argument("--reference", type=Path, default=HERE.parent.parent / "testdata" / "vqgan-reference")
    args = p.parse_args(argv)
    build(args.reference, args.output)
    print(f"VQGAN test fixtures ready in {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
