"""Pillow's decoding of real image files that neither Pillow nor this project wrote, for the Java fidelity suite.

    python3 -m ofa_export.real_images --output DIR

The files come from Debian packages (``scripts/setup.sh`` installs them): wallpapers and artwork (photographs,
renders; JPEG baseline and progressive, some with ICC profiles, PNG of every colour type, lossy and lossless WebP),
ImageMagick's documentation images (GIF, PNG, JPEG) and scikit-image's sample data. Variants that the packages do
not hold are made from those files by other programs: libjpeg-turbo's ``jpegtran``/``cjpeg`` (progressive, restart
markers, chroma subsampling, RGB and grey JPEG), ImageMagick (YCCK and 16-bit PNG, palettes, Adam7, GIF, BMP),
``cwebp``/``img2webp``/``webpmux`` (lossy, alpha, lossless and animated WebP over libwebp's coding options;
see ``webp_variants``), and byte-level splicing of ICC profiles (from icc-profiles-free, colord and Ghostscript) and EXIF
orientation markers into the original bytes, so the compressed data stays the original encoder's. Truncated copies
of several of them are cases too, and GIFs crafted byte by byte for decoder branches that real files rarely take
(early end codes, missing trailers, indices past the palette); for those, only Pillow's output is the reference.

For each case, ``cases.json`` holds its file (a package's own path, or ``files/ID.ext``) and what Pillow 9.4 did with ``Image.open(f).convert('RGB')``: raised (the message)
or decoded (its mode, size, the SHA-256 of the RGB bytes and of the BICUBIC resizes to 480 and 512, as OFA's
preprocessing does); for images up to about 1.5 MP also the decoded pixels, as a lossless PNG, so that a
difference can be measured in levels.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

# Debian packages' folders of image files (see REAL_IMAGE_PACKAGES in scripts/setup.sh)
SOURCES = [
    ("wallpapers", "/usr/share/backgrounds"),
    ("debian-artwork", "/usr/share/desktop-base"),
    ("imagemagick-doc", "/usr/share/doc/imagemagick-6-common/html/images"),
    ("scikit-image", "/usr/lib/python3/dist-packages/skimage/data"),
]
EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp")
ICC_DIRS = ["/usr/share/color/icc"]
TOOLS = ["jpegtran", "cjpeg", "convert", "cwebp", "img2webp", "webpmux"]
SIZES = [480, 512]
PIXELS_KEPT = 1_500_000
HERE = Path(__file__).resolve()


def sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def package_files() -> list[tuple[str, Path]]:
    out = []
    for source, root in SOURCES:
        for dirpath, _, names in os.walk(root):
            for name in sorted(names):
                p = Path(dirpath) / name
                if p.suffix.lower() in EXTENSIONS and not p.is_symlink() and p.stat().st_size > 0:
                    out.append((source, p))
    return sorted(out, key=lambda x: str(x[1]))


def jpeg_segments_end(b: bytes) -> int:
    """Offset just after SOI and the APPn segments that lead a JPEG (where a new APPn may go)."""
    i = 2
    while i + 4 <= len(b) and b[i] == 0xFF and 0xE0 <= b[i + 1] <= 0xEF:
        i += 2 + struct.unpack(">H", b[i + 2:i + 4])[0]
    return i


def without_app(b: bytes, marker: int, ident: bytes) -> bytes:
    out, i = bytearray(b[:2]), 2
    while i + 4 <= len(b) and b[i] == 0xFF and b[i + 1] not in (0xDA, 0xD9):
        n = struct.unpack(">H", b[i + 2:i + 4])[0]
        if not (b[i + 1] == marker and b[i + 4:i + 4 + len(ident)] == ident):
            out += b[i:i + 2 + n]
        i += 2 + n
    return bytes(out + b[i:])


def with_icc(jpeg: bytes, profile: bytes, chunk: int = 65519 - 14) -> bytes:
    """The JPEG with ``profile`` in APP2 ICC_PROFILE segments (split into several when large, as the spec allows)."""
    jpeg = without_app(jpeg, 0xE2, b"ICC_PROFILE\0")
    parts = [profile[i:i + chunk] for i in range(0, len(profile), chunk)]
    segs = b"".join(b"\xff\xe2" + struct.pack(">H", 2 + 14 + len(p)) + b"ICC_PROFILE\0" + bytes([k + 1, len(parts)])
                    + p for k, p in enumerate(parts))
    at = jpeg_segments_end(jpeg)
    return jpeg[:at] + segs + jpeg[at:]


def with_exif_orientation(jpeg: bytes, orientation: int) -> bytes:
    """The JPEG with an APP1 EXIF segment whose only tag is Orientation (Pillow's convert ignores it)."""
    ifd = struct.pack("<HHHIHH", 1, 0x0112, 3, 1, orientation, 0) + struct.pack("<I", 0)
    tiff = b"II*\0" + struct.pack("<I", 8) + ifd
    seg = b"Exif\0\0" + tiff
    at = jpeg_segments_end(jpeg)
    return jpeg[:at] + b"\xff\xe1" + struct.pack(">H", 2 + len(seg)) + seg + jpeg[at:]


def run(*cmd, stdin: bytes | None = None) -> bytes:
    return subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True).stdout


def variants(files: list[tuple[str, Path]], work: Path) -> list[tuple[str, str, bytes]]:
    """(source file, variant name, bytes) made by other programs from real files."""
    photos = [p for source, p in files if source == "wallpapers" and p.suffix.lower() in (".jpg", ".jpeg")
              and pillow_case(p.read_bytes())["ok"]][:4]
    if len(photos) < 2:
        raise SystemExit("real_images: fewer than 2 wallpaper photographs found; scripts/setup.sh installs them")
    base = photos[0]
    out = []
    # a moderate-size photo as PPM (ImageMagick) for the encoders below
    ppm = run("convert", str(base), "-resize", "1021x677!", "ppm:-")
    rgba_png = run("convert", str(base), "-resize", "333x211!", "-alpha", "set", "-channel", "A", "-fx",
                   "0.3+0.7*(i/w)", "png:-")
    profiles = sorted({str(p) for d in ICC_DIRS for p in Path(d).rglob("*") if p.suffix.lower() in (".icc", ".icm")})
    wanted = ["AdobeRGB1998.icc", "ProPhotoRGB.icc", "SwappedRedAndGreen.icc", "WideGamutRGB.icc", "Rec709.icc",
              "compatibleWithAdobeRGB1998.icc", "LStar-RGB.icc", "esrgb.icc"]
    chosen = [p for w in wanted for p in profiles if p.endswith("/" + w)][:len(wanted)]
    for k, prof in enumerate(chosen):
        src = photos[k % len(photos)]
        out.append((str(src), f"icc-{Path(prof).stem}", with_icc(src.read_bytes(), Path(prof).read_bytes())))
    big = [p for p in profiles if Path(p).stat().st_size > 70000 and p.endswith(".icc")]
    if big:   # a profile over one segment's 64 KB, split over two APP2 segments
        out.append((str(base), f"icc-multisegment-{Path(big[0]).stem}",
                    with_icc(base.read_bytes(), Path(big[0]).read_bytes())))
    for o in (6, 8, 3):
        out.append((str(photos[1 % len(photos)]), f"exif-orientation-{o}",
                    with_exif_orientation(photos[1 % len(photos)].read_bytes(), o)))
    for name, args in [("jpegtran-progressive", ["-progressive"]), ("jpegtran-restart-1-row", ["-restart", "1"]),
                       ("jpegtran-restart-3-blocks", ["-restart", "3B"]), ("jpegtran-optimize", ["-optimize"]),
                       ("jpegtran-progressive-restart", ["-progressive", "-restart", "2"])]:
        out.append((str(base), name, run("jpegtran", *args, str(base))))
    for name, args in [("cjpeg-444", ["-sample", "1x1"]), ("cjpeg-422", ["-sample", "2x1"]),
                       ("cjpeg-440", ["-sample", "1x2"]), ("cjpeg-420", ["-sample", "2x2"]),
                       ("cjpeg-411", ["-sample", "4x1"]), ("cjpeg-q30", ["-quality", "30"]),
                       ("cjpeg-q98-float", ["-quality", "98", "-dct", "float"]), ("cjpeg-rgb", ["-rgb"]),
                       ("cjpeg-grey", ["-grayscale"]), ("cjpeg-restart-progressive", ["-restart", "1", "-progressive"])]:
        out.append((str(base), name, run("cjpeg", *args, stdin=ppm)))
    grey_jpeg = run("cjpeg", "-grayscale", stdin=ppm)
    gray_icc = [p for p in profiles if p.endswith("/Gray.icc")]
    if gray_icc:
        out.append((str(base), "cjpeg-grey-icc-Gray", with_icc(grey_jpeg, Path(gray_icc[0]).read_bytes())))
    small = ["-resize", "517x343!"]
    cmyk_icc = [p for p in profiles if p.endswith("/default_cmyk.icc")]
    ycck = run("convert", str(base), *small, "-colorspace", "CMYK", "jpg:-")
    out.append((str(base), "imagemagick-ycck", ycck))
    if cmyk_icc:
        out.append((str(base), "imagemagick-ycck-icc-cmyk", with_icc(ycck, Path(cmyk_icc[0]).read_bytes())))
    for name, args, fmt in [
        ("imagemagick-png48", ["-depth", "16"], "png48"), ("imagemagick-png64-alpha", ["-depth", "16", "-alpha",
                                                                                        "set"], "png64"),
        ("imagemagick-grey16", ["-colorspace", "Gray", "-depth", "16"], "png"),
        ("imagemagick-grey8-alpha", ["-colorspace", "Gray", "-alpha", "set", "-channel", "A", "-evaluate", "set",
                                     "60%"], "png"),
        ("imagemagick-png8-palette", ["-colors", "100"], "png8"),
        ("imagemagick-png-grey-4bit", ["-colorspace", "Gray", "-depth", "4"], "png"),
        ("imagemagick-png-bilevel", ["-monochrome"], "png"),
        ("imagemagick-png-adam7", ["-interlace", "PNG"], "png24"),
        ("imagemagick-gif", [], "gif"), ("imagemagick-gif-interlaced", ["-interlace", "GIF"], "gif"),
        ("imagemagick-gif-16-colours", ["-colors", "16"], "gif"),
        ("imagemagick-bmp24", [], "bmp3"), ("imagemagick-bmp8-palette", ["-colors", "200"], "bmp3"),
        ("imagemagick-bmp8-rle", ["-colors", "200", "-compress", "RLE"], "bmp3"),
        ("imagemagick-bmp4", ["-colors", "16"], "bmp3"), ("imagemagick-bmp-bilevel", ["-monochrome"], "bmp3"),
        ("imagemagick-bmp32-alpha", ["-alpha", "set"], "bmp"),
        ("imagemagick-bmp16-rgb565", ["-define", "bmp:subtype=RGB565"], "bmp"),
    ]:
        out.append((str(base), name, run("convert", str(base), *small, *args, f"{fmt}:-")))
    out.append((str(base), "imagemagick-gif-transparent",
                run("convert", "png:-", "-colors", "64", "gif:-", stdin=rgba_png)))
    # an animation whose first frame covers only part of the logical screen (Pillow shows frame 0 on the canvas)
    with tempfile.TemporaryDirectory(dir=work) as t:
        a, b = Path(t) / "a.gif", Path(t) / "b.gif"
        a.write_bytes(run("convert", str(base), "-resize", "120x80!", "-colors", "64", "gif:-"))
        b.write_bytes(run("convert", str(photos[-1]), "-resize", "200x150!", "-colors", "64", "gif:-"))
        out.append((str(base), "imagemagick-gif-animated-offset-frame",
                    run("convert", "-page", "200x150+30+20", str(a), "-page", "+0+0", str(b), "gif:-")))
    for name, args in [("cwebp-lossy-q75", ["-q", "75"]),
                       ("cwebp-lossy-q20-simple-filter", ["-q", "20", "-nostrong", "-sharpness", "5"]),
                       ("cwebp-lossless", ["-lossless"])]:
        with tempfile.TemporaryDirectory(dir=work) as t:
            src, dst = Path(t) / "in.ppm", Path(t) / "out.webp"
            src.write_bytes(run("convert", "ppm:-", "-resize", "517x343!", "ppm:-", stdin=ppm))
            run("cwebp", "-quiet", *args, str(src), "-o", str(dst))
            out.append((str(base), name, dst.read_bytes()))
    with tempfile.TemporaryDirectory(dir=work) as t:
        src, dst = Path(t) / "in.png", Path(t) / "out.webp"
        src.write_bytes(rgba_png)
        run("cwebp", "-quiet", "-q", "80", str(src), "-o", str(dst))
        out.append((str(base), "cwebp-lossy-alpha", dst.read_bytes()))
    out.extend(webp_variants(base, ppm, rgba_png, work))
    return out


def webp_variants(base: Path, ppm: bytes, rgba_png: bytes, work: Path) -> list[tuple[str, str, bytes]]:
    """WebP from libwebp's own tools over the branches of its decoder: cwebp quality, filter, segment and
    upsampling-relevant settings, odd sizes, alpha (ALPH) coding, lossless, animations (img2webp, webpmux with an
    offset first frame); copies truncated with their RIFF and chunk sizes patched (so only the VP8 partitions run
    short) and copies with flipped bytes in the token data (libwebp decodes those to garbage, which must be the
    same garbage) or in the frame header."""
    out = []
    with tempfile.TemporaryDirectory(dir=work) as t:
        t = Path(t)

        def source(name: str, geometry: str, png: bytes | None = None) -> Path:
            f = t / name
            f.write_bytes(run("convert", "png:-" if png else "ppm:-", "-resize", geometry, f"{f.suffix[1:]}:-",
                              stdin=png if png else ppm))
            return f

        def cwebp(src: Path, *args: str) -> bytes:
            dst = t / "out.webp"
            run("cwebp", "-quiet", *args, str(src), "-o", str(dst))
            return dst.read_bytes()
        mid = source("mid.ppm", "401x263!")
        for name, args in [("q10", ["-q", "10"]), ("q50", ["-q", "50"]), ("q95", ["-q", "95"]),
                           ("q100-m6", ["-q", "100", "-m", "6"]), ("m0", ["-q", "60", "-m", "0"]),
                           ("sharp-yuv", ["-q", "70", "-sharp_yuv"]), ("f0-no-filter", ["-q", "50", "-f", "0"]),
                           ("f100-sharpness7", ["-q", "30", "-f", "100", "-sharpness", "7"]),
                           ("simple-filter-f80", ["-q", "40", "-nostrong", "-f", "80"]),
                           ("sns0-segments1", ["-q", "50", "-sns", "0", "-segments", "1"]),
                           ("sns100-segments4", ["-q", "50", "-sns", "100", "-segments", "4"]),
                           ("autofilter", ["-q", "45", "-af"]), ("partition-limit", ["-q", "90", "-partition_limit",
                                                                                     "100"]),
                           ("preset-text", ["-preset", "text", "-q", "60"]),
                           ("preset-drawing", ["-preset", "drawing", "-q", "60"])]:
            out.append((str(base), f"cwebp-lossy-{name}", cwebp(mid, *args)))
        for w, h in [(1, 1), (2, 2), (3, 5), (16, 16), (17, 9), (33, 1), (1, 40), (513, 257)]:
            out.append((str(base), f"cwebp-lossy-size-{w}x{h}", cwebp(source(f"s{w}x{h}.ppm", f"{w}x{h}!"), "-q",
                                                                     "60")))
        alpha = source("alpha.png", "257x171!", rgba_png)
        for name, args in [("alpha-q10", ["-q", "50", "-alpha_q", "10"]), ("alpha-exact", ["-q", "50", "-exact"]),
                           ("alpha-method0", ["-q", "70", "-alpha_method", "0"]),
                           ("alpha-filter-best", ["-q", "70", "-alpha_filter", "best"])]:
            out.append((str(base), f"cwebp-lossy-{name}", cwebp(alpha, *args)))
        for name, src, args in [("z0", mid, ["-z", "0"]), ("z9", mid, ["-z", "9"]), ("alpha", alpha, ["-lossless"]),
                                ("alpha-exact", alpha, ["-lossless", "-exact"]),
                                ("near-lossless-40", alpha, ["-lossless", "-near_lossless", "40"]),
                                ("size-17x9", source("ll17.ppm", "17x9!"), ["-lossless"])]:
            out.append((str(base), f"cwebp-lossless-{name}", cwebp(src, *args)))
        small, big = source("small.png", "120x80!"), source("big.png", "257x171!")
        for name, args in [("lossy", ["-lossy", "-q", "60"]), ("lossless", ["-lossless"]), ("mixed", ["-mixed"])]:
            dst = t / "anim.webp"
            run("img2webp", *args, str(big), str(alpha), "-o", str(dst))
            out.append((str(base), f"img2webp-animation-{name}", dst.read_bytes()))
        frames = []
        for name, src, args in [("f1.webp", small, ["-q", "70"]), ("f2.webp", big, ["-q", "70"]),
                                ("f3.webp", small, ["-lossless"])]:
            (t / name).write_bytes(cwebp(src, *args))
            frames.append(str(t / name))
        for name, first in [("lossy", frames[0]), ("lossless", frames[2])]:
            dst = t / "mux.webp"
            run("webpmux", "-frame", first, "+100+30+20+0-b", "-frame", frames[1], "+100+0+0+0+b", "-o", str(dst))
            out.append((str(base), f"webpmux-animation-offset-first-frame-{name}", dst.read_bytes()))
    lossy = next(d for _, v, d in out if v == "cwebp-lossy-q95")
    for frac in (10, 50, 90, 98):   # the container intact, the VP8 data short: the decoder itself must notice
        d = bytearray(lossy[:20 + (len(lossy) - 20) * frac // 100])
        d[4:8] = (len(d) - 8).to_bytes(4, "little")
        d[16:20] = (len(d) - 20).to_bytes(4, "little")
        out.append((str(base), f"crafted-webp-vp8-data-cut-{frac}%", bytes(d)))
    lossless = next(d for _, v, d in out if v == "cwebp-lossless-z9")
    for frac in (10, 50, 90, 99):   # the same for VP8L: TwelveMonkeys pads a short bitstream with zeros
        d = bytearray(lossless[:20 + (len(lossless) - 20) * frac // 100])
        d[4:8] = (len(d) - 8).to_bytes(4, "little")
        d[16:20] = (len(d) - 20).to_bytes(4, "little")
        out.append((str(base), f"crafted-webp-vp8l-data-cut-{frac}%", bytes(d)))
    rnd = random.Random(22)
    for k in range(4):
        d = bytearray(lossy)
        for _ in range(6):
            d[rnd.randrange(len(d) // 3, len(d))] ^= 0x5A
        out.append((str(base), f"crafted-webp-corrupt-tokens-{k}", bytes(d)))
    for k, i in enumerate((23, 26, 30, 35)):   # frame tag / start code / size bytes / first partition
        d = bytearray(lossy)
        d[i] ^= 0xFF
        out.append((str(base), f"crafted-webp-corrupt-header-{k}", bytes(d)))
    out.append((str(base), "crafted-webp-trailing-bytes", lossy + b"trailing garbage"))
    # random byte changes, half of them in the first 80 bytes (RIFF, VP8X, ANIM/ANMF, ALPH and frame headers)
    sources = [next(d for _, name, d in out if name == v) for v in
               ("cwebp-lossy-size-17x9", "cwebp-lossy-q10", "cwebp-lossy-alpha-q10", "img2webp-animation-lossy",
                "cwebp-lossy-simple-filter-f80")]
    for k in range(40):
        d = bytearray(sources[k % len(sources)])
        for _ in range(rnd.choice([1, 1, 2, 5])):
            i = rnd.randrange(12, min(len(d), 80)) if rnd.random() < 0.5 else rnd.randrange(12, len(d))
            d[i] = rnd.randrange(256)
        out.append((str(base), f"crafted-webp-random-bytes-{k}", bytes(d)))
    for v in ("cwebp-lossy-alpha-q10", "cwebp-lossless-alpha", "img2webp-animation-lossy"):
        b = next(d for _, name, d in out if name == v)
        for pct in (50, 95):
            out.append((str(base), f"crafted-webp-cut-{pct}%-{v}", b[:len(b) * pct // 100]))
    return out


def _gif_lzw(indices: list[int], min_code: int, end_code: bool = True) -> bytes:
    """A plain LZW encoder (growing code size, a clear code when the table is full) for the crafted GIFs."""
    clear, eoi = 1 << min_code, (1 << min_code) + 1
    bits, size = [], min_code + 1

    def emit(code: int) -> None:
        bits.extend((code >> i) & 1 for i in range(size))
    table, nxt, w = {bytes([i]): i for i in range(clear)}, clear + 2, b""
    emit(clear)
    for ix in indices:
        c = bytes([ix])
        if w + c in table:
            w += c
            continue
        emit(table[w])
        if nxt < 4096:
            table[w + c] = nxt
            nxt += 1
            if nxt - 1 == (1 << size) and size < 12:
                size += 1
        else:
            emit(clear)
            table, nxt, size = {bytes([i]): i for i in range(clear)}, clear + 2, min_code + 1
        w = c
    if w:
        emit(table[w])
    if end_code:
        emit(eoi)
    bits.extend([0] * (-len(bits) % 8))
    return bytes(sum(bits[i + j] << j for j in range(8)) for i in range(0, len(bits), 8))


def crafted_gifs() -> list[tuple[str, bytes]]:
    """GIFs built byte by byte for the branches real files rarely take; Pillow alone says what they decode to."""
    rnd = random.Random(1)

    def palette(n):
        return bytes(rnd.randrange(256) for _ in range(3 * n))

    def blocks(data):
        return b"".join(bytes([len(data[i:i + 255])]) + data[i:i + 255] for i in range(0, len(data), 255))

    def gif(w, h, frames, global_palette=None, trailer=True):
        flags = (0x80 | ((len(global_palette) // 3).bit_length() - 2)) if global_palette else 0
        g = b"GIF89a" + struct.pack("<HHBBB", w, h, flags, 0, 0) + (global_palette or b"")
        for x0, y0, fw, fh, idx, local, interlace, transparent, min_code, end_code, terminator in frames:
            if transparent is not None:
                g += b"!\xf9\x04" + bytes([1, 0, 0, transparent]) + b"\0"
            f = (0x40 if interlace else 0) | ((0x80 | ((len(local) // 3).bit_length() - 2)) if local else 0)
            g += b"," + struct.pack("<HHHHB", x0, y0, fw, fh, f) + (local or b"") + bytes([min_code])
            g += blocks(_gif_lzw(idx, min_code, end_code)) + (b"\0" if terminator else b"")
        return g + (b";" if trailer else b"")
    w, h = 61, 37
    noise = [rnd.randrange(16) for _ in range(w * h)]
    smooth = [(x // 4 + y // 3) % 16 for y in range(h) for x in range(w)]
    big = [rnd.randrange(256) for _ in range(300 * 200)]
    return [
        ("gif-plain", gif(w, h, [(0, 0, w, h, smooth, None, False, None, 4, True, True)], palette(16))),
        ("gif-interlaced", gif(w, h, [(0, 0, w, h, noise, None, True, None, 4, True, True)], palette(16))),
        ("gif-offset-frame-transparent", gif(100, 80, [(10, 7, w, h, noise, palette(16), False, 5, 4, True, True)],
                                             palette(16))),
        ("gif-frame-beyond-screen", gif(50, 30, [(20, 10, w, h, smooth, None, False, None, 4, True, True)],
                                        palette(16))),
        ("gif-no-palette", gif(w, h, [(0, 0, w, h, noise, None, False, None, 4, True, True)])),
        ("gif-table-full", gif(300, 200, [(0, 0, 300, 200, big, None, False, None, 8, True, True)], palette(256))),
        ("gif-no-end-code", gif(w, h, [(0, 0, w, h, smooth, None, False, None, 4, False, True)], palette(16))),
        ("gif-ends-after-pixels", gif(w, h, [(0, 0, w, h, smooth, None, False, None, 4, False, False)], palette(16),
                                      trailer=False)),
        ("gif-early-end-code", gif(w, h, [(0, 0, w, h, smooth[:w * 10], None, False, None, 4, True, True)],
                                   palette(16))),
        ("gif-early-terminator", gif(w, h, [(0, 0, w, h, smooth[:w * 10], None, False, None, 4, False, True)],
                                     palette(16))),
        ("gif-indices-past-palette", gif(4, 1, [(0, 0, 4, 1, [0, 1, 2, 3], None, False, None, 2, True, True)],
                                         palette(2))),
        ("gif-two-frames", gif(w, h, [(0, 0, w, h, smooth, None, False, None, 4, True, True),
                                      (5, 5, 10, 10, noise[:100], None, False, None, 4, True, True)], palette(16))),
    ]


def truncations(cases: list[dict], folder: Path) -> list[tuple[str, str, bytes]]:
    """Cut copies of one file per (format, variant family): 30/60/90/99% of the bytes, and all but the last 2."""
    seen, out = set(), []
    for c in cases:
        fam = (c["format"], c["variant"].split("-")[0] if c["variant"] else c["source"])
        if c["ok"] and fam not in seen and (c["width"] * c["height"] <= 3_000_000):
            seen.add(fam)
            b = (folder / c["file"]).read_bytes()
            for label, n in [("30%", len(b) * 3 // 10), ("60%", len(b) * 6 // 10), ("90%", len(b) * 9 // 10),
                             ("99%", len(b) * 99 // 100), ("minus-2-bytes", len(b) - 2)]:
                out.append((c["id"], f"truncated-{label}", b[:n]))
    return out


def pillow_case(data: bytes) -> dict:
    try:
        with Image.open(io.BytesIO(data)) as im:
            fmt, mode = im.format, im.mode
            rgb = im.convert("RGB")
    except Exception as e:   # what Pillow raises is the expected outcome of the case
        return {"ok": False, "error": f"{type(e).__name__}: {e}"}
    raw = rgb.tobytes()
    return {"ok": True, "format": fmt, "pillow_mode": mode, "width": rgb.width, "height": rgb.height,
            "sha256": sha(raw), "resize": {str(s): sha(rgb.resize((s, s), Image.BICUBIC).tobytes()) for s in SIZES},
            "_rgb": rgb}


def sniff(data: bytes) -> str:
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:4] == b"\x89PNG":
        return "PNG"
    if data[:4] == b"GIF8":
        return "GIF"
    if data[:2] == b"BM":
        return "BMP"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return "?"


def build(out: Path) -> dict:
    files_dir, pixels_dir = out / "files", out / "pixels"
    files_dir.mkdir(parents=True)
    pixels_dir.mkdir()
    cases = []

    def add(source: str, variant: str, data: bytes, origin: str) -> None:
        cid = f"{len(cases):04d}"
        if source in dict(SOURCES):   # a package's own file: read where it lies
            name = origin
        else:
            name = f"files/{cid}.{sniff(data).lower()}"
            (out / name).write_bytes(data)
        c = {"id": cid, "file": name, "origin": origin, "source": source, "variant": variant, "bytes": len(data),
             "format": sniff(data)}
        c.update(pillow_case(data))
        rgb = c.pop("_rgb", None)
        c["pixels"] = None
        if rgb is not None and rgb.width * rgb.height <= PIXELS_KEPT:
            c["pixels"] = f"pixels/{cid}.png"
            rgb.save(out / c["pixels"], compress_level=1)
        cases.append(c)

    found = package_files()
    for source, p in found:
        add(source, "", p.read_bytes(), str(p))
    for origin, variant, data in variants(found, out):
        add("derived", variant, data, origin)
    for variant, data in crafted_gifs():
        add("crafted", variant, data, "crafted by ofa_export.real_images")
    for cid, variant, data in truncations(list(cases), out):
        parent = next(c for c in cases if c["id"] == cid)
        add("truncated", f"{parent['variant'] or parent['source']}-{variant}", data, parent["origin"])
    (out / "cases.json").write_text(json.dumps(cases, indent=1))
    return {"cases": len(cases), "decoded": sum(c["ok"] for c in cases)}


def stamp() -> str:
    """What the cases depend on: this script, Pillow's version, the tools, and the package files' names and sizes."""
    h = hashlib.sha256(HERE.read_bytes())
    h.update(Image.__version__.encode())
    for t in TOOLS:
        h.update(str(shutil.which(t)).encode())
    for _, p in package_files():
        h.update(f"{p}:{p.stat().st_size}".encode())
    return h.hexdigest()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--output", required=True, type=Path)
    args = p.parse_args(argv)
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        raise SystemExit(f"real_images: missing {missing}; scripts/setup.sh installs them")
    s = stamp()
    if (args.output / ".stamp").is_file() and (args.output / ".stamp").read_text() == s:
        return 0
    shutil.rmtree(args.output, ignore_errors=True)
    with tempfile.TemporaryDirectory(dir=args.output.parent if args.output.parent.exists() else None) as tmp:
        staging = Path(tmp) / "real-images"
        summary = build(staging)
        (staging / ".stamp").write_text(s)
        shutil.move(str(staging), str(args.output))
    print(f"real-image cases ready in {args.output}: {summary}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
