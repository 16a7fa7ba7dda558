"""Pillow's own decoding and resizing, written as files + hashes for the Java suite to match.

    python3 -m ofa_export.pillow_reference --output DIR

- ``resize/``: real photographs (the reference fixture's two scikit-image photos, and crops of them so that
  inputs are non-square and smaller than the targets) with the SHA-256 of Pillow's ``convert('RGB')`` +
  ``resize((S, S), BICUBIC)`` bytes at S = 256, 384, 480, 512: down- and up-scaling.
- ``formats/``: one small photo crop written by Pillow in every format the runtime reads (baseline and progressive
  JPEG with 4:4:4/4:2:2/4:2:0 sampling, CMYK and grey JPEG, palette/RGBA/LA/grey/16-bit PNG, GIF, BMP, lossy and
  lossless WebP) with the SHA-256 and bytes of Pillow's ``convert('RGB')`` of each.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import shutil
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
PHOTOS = ROOT / "testdata" / "ofa-reference" / "images"
SIZES = [256, 384, 480, 512]


def sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def png16_rgb(arr16: np.ndarray) -> bytes:
    """A 16-bit RGB PNG written by hand (Pillow cannot write one)."""
    h, w, _ = arr16.shape
    raw = b"".join(b"\x00" + arr16[y].astype(">u2").tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def build(out: Path) -> None:
    resize_dir, formats_dir = out / "resize", out / "formats"
    resize_dir.mkdir(parents=True, exist_ok=True)
    formats_dir.mkdir(parents=True, exist_ok=True)
    astronaut = Image.open(PHOTOS / "astronaut.png").convert("RGB")
    hubble = Image.open(PHOTOS / "hubble_deep_field.jpg").convert("RGB")
    sources = {
        "astronaut.png": astronaut, "hubble_deep_field.png": hubble,
        "astronaut_crop_200x120.png": astronaut.crop((150, 60, 350, 180)),
        "hubble_crop_700x300.png": hubble.crop((100, 400, 800, 700)),
        "astronaut_crop_37x411.png": astronaut.crop((300, 20, 337, 431)),
    }
    cases = []
    for name, img in sources.items():
        img.save(resize_dir / name)
        for s in SIZES:
            cases.append({"file": name, "width": img.width, "height": img.height, "size": s,
                          "sha256": sha(img.resize((s, s), Image.BICUBIC).tobytes())})
    (resize_dir / "cases.json").write_text(json.dumps(cases, indent=1))

    crop = astronaut.crop((180, 40, 276, 104))     # 96 x 64, a face: colourful and detailed
    encoded = {}
    for sub in (0, 1, 2):                          # 4:4:4, 4:2:2, 4:2:0
        for prog in (False, True):
            b = io.BytesIO()
            crop.save(b, "JPEG", quality=90, subsampling=sub, progressive=prog)
            encoded[f"jpeg_{['444', '422', '420'][sub]}{'_progressive' if prog else ''}.jpg"] = b.getvalue()
    for name, img, fmt, kw in [
        ("jpeg_cmyk.jpg", crop.convert("CMYK"), "JPEG", {"quality": 90}),
        ("jpeg_grey.jpg", crop.convert("L"), "JPEG", {"quality": 90}),
        ("png_rgb.png", crop, "PNG", {}),
        ("png_palette.png", crop.quantize(64), "PNG", {}),
        ("png_rgba.png", Image.merge("RGBA", (*crop.split(), crop.convert("L"))), "PNG", {}),
        ("png_la.png", Image.merge("LA", (crop.convert("L"), crop.getchannel(0))), "PNG", {}),
        ("png_grey.png", crop.convert("L"), "PNG", {}),
        ("gif.gif", crop.quantize(128), "GIF", {}),
        ("bmp.bmp", crop, "BMP", {}),
        ("webp_lossless.webp", crop, "WEBP", {"lossless": True}),
        ("webp_lossy.webp", crop, "WEBP", {"quality": 90}),
    ]:
        b = io.BytesIO()
        img.save(b, fmt, **kw)
        encoded[name] = b.getvalue()
    grey16 = (np.asarray(crop.convert("L"), dtype=np.uint16) * 3).astype(np.uint16)   # values 0..765
    b = io.BytesIO()
    Image.fromarray(grey16.astype(np.int32)).convert("I;16").save(b, "PNG")
    encoded["png_grey16.png"] = b.getvalue()
    rgb16 = np.asarray(crop, dtype=np.uint16) * 257 + 3
    encoded["png_rgb16.png"] = png16_rgb(rgb16)
    formats = []
    for name, data in sorted(encoded.items()):
        (formats_dir / name).write_bytes(data)
        with Image.open(io.BytesIO(data)) as im:
            mode = im.mode
            rgb = im.convert("RGB")
        formats.append({"file": name, "pillow_mode": mode, "width": rgb.width, "height": rgb.height,
                        "sha256": sha(rgb.tobytes())})
        (formats_dir / (name + ".rgb")).write_bytes(rgb.tobytes())
    (formats_dir / "cases.json").write_text(json.dumps(formats, indent=1))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--output", required=True, type=Path)
    args = p.parse_args(argv)
    # rebuilt when this script or Pillow changes, not only when missing
    stamp = hashlib.sha256(Path(__file__).read_bytes() + Image.__version__.encode()).hexdigest()
    if (args.output / ".stamp").is_file() and (args.output / ".stamp").read_text() == stamp:
        return 0
    for part in ("resize", "formats"):
        shutil.rmtree(args.output / part, ignore_errors=True)
    build(args.output)
    (args.output / ".stamp").write_text(stamp)
    print(f"Pillow reference ready in {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
