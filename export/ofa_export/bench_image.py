"""The PyTorch side of ``./ofa bench-image``: the packages it times, and PyTorch eager doing the Java run's work.

    python3 -m ofa_export.bench_image prepare --output build/bench-image   # real-shape VQGAN + OFA-tiny-shaped OFA
    python3 -m ofa_export.bench_image run --output build/bench-image --image photo.jpg

``prepare`` writes a random VQGAN checkpoint of the published shape (ch 128, 2 res blocks, z 256, 8192 codes) and
an OFA-tiny-shaped checkpoint (``ofa_export.bench``), and converts both. ``run`` prints one JSON line per
measurement: VQGAN encode and decode images/s per batch size at 256 px; text-to-image code generation with the KV
cache (1024 codes, top-k 256, the reference's code-range normalisation, one row per sample) images/s and ms per
step at steps 1-4 and 1021-1024.
"""
from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import torch

from . import bench
from .bpe import BpeTokenizer
from .checkpoint import load_checkpoint
from .make_vqgan_checkpoint import REAL_SHAPE, write_vqgan_checkpoint
from .vqgan_checkpoint import load_vqgan
from .vqgan_export import convert_vqgan

CAPTION = "a photo of a man riding a horse"


def prepare(out: Path) -> None:
    vq_ckpt, vq_pkg = out / "vqgan-checkpoint", out / "vqgan"
    if not (vq_ckpt / "last.ckpt").is_file():
        write_vqgan_checkpoint(vq_ckpt, REAL_SHAPE, seed=3)
    if not (vq_pkg / "vqgan-model.json").is_file():
        convert_vqgan(vq_ckpt, vq_pkg, name="vqgan-real-shape-random")
    stale = out / "ofa" / "package" / "ofa-model.json"
    if stale.is_file() and "code_decoder" not in json.loads(stale.read_text())["graphs"]:
        import shutil
        shutil.rmtree(stale.parent)   # converted before the image-code graphs existed
    bench.prepare(out / "ofa")


def rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


@torch.no_grad()
def bench_vqgan(out: Path, image: Path, batches, repeats: int) -> None:
    model, _ = load_vqgan(out / "vqgan-checkpoint")
    x1 = _vqgan_input(image)
    model.codes(x1)   # warm-up
    for batch in batches:
        x = x1.expand(batch, -1, -1, -1).contiguous()
        enc = dec = float("inf")
        for _ in range(repeats):
            t = time.perf_counter()
            codes = model.codes(x)
            enc = min(enc, time.perf_counter() - t)
            t = time.perf_counter()
            model.decode_codes(codes)
            dec = min(dec, time.perf_counter() - t)
        print(json.dumps({"bench": "vqgan", "runtime": "pytorch-eager", "batch": batch,
                          "encode_images_per_s": round(batch / enc, 3), "decode_images_per_s": round(batch / dec, 3),
                          "peak_rss_mb": rss()}), flush=True)


def _vqgan_input(image: Path) -> torch.Tensor:
    """Pillow BICUBIC to 256, /255, 2x-1 (the reference's preprocess_vqgan)."""
    from PIL import Image
    import numpy as np
    with Image.open(image) as im:
        arr = np.asarray(im.convert("RGB").resize((256, 256), Image.BICUBIC), dtype=np.float32) / np.float32(255)
    return torch.from_numpy(np.ascontiguousarray((2 * arr - 1).transpose(2, 0, 1)))[None]


@torch.no_grad()
def bench_text_to_image(out: Path, samples_list) -> None:
    model, _ = load_checkpoint(out / "ofa" / "checkpoint")
    ck = out / "ofa" / "checkpoint"
    lo = len(json.loads((ck / "vocab.json").read_text()))
    hi = lo + 8192
    tok = BpeTokenizer.from_files(ck / "vocab.json", ck / "merges.txt", lo, 8192, hi, 1000)
    ids = torch.tensor([tok.encode(" what is the complete image? caption: " + CAPTION)])
    g = torch.Generator().manual_seed(1)
    for samples in samples_list:
        t0 = time.perf_counter()
        enc = model.encoder.forward_text(ids)
        cross = model.decoder.cross_kv(enc.states, enc.position)
        past = model.empty_code_past(samples)
        order = torch.arange(samples)
        token = torch.zeros(samples, 1, dtype=torch.long)
        step_ms = []
        for step in range(1025):
            t = time.perf_counter()
            logits, past = model.decoder.forward_codes(token, past, order, cross, enc.padding_mask,
                                                       torch.tensor([32]))
            x = logits[:, -1]
            x[:, 4:lo] = float("-inf")
            x[:, hi:] = float("-inf")
            lp = torch.log_softmax(x, -1)
            if step < 1024:
                lp[:, :4] = float("-inf")
                top, idx = lp.topk(256)
                pick = torch.multinomial(top.exp(), 1, generator=g)
                token = idx.gather(1, pick)
            else:
                token = torch.full((samples, 1), 2, dtype=torch.long)
            step_ms.append((time.perf_counter() - t) * 1e3)
        total = time.perf_counter() - t0
        print(json.dumps({"bench": "text_to_image", "runtime": "pytorch-eager", "samples": samples,
                          "images_per_s": round(samples / total, 4), "seconds": round(total, 2),
                          "decoder_ms_per_step_1_4": round(sum(step_ms[:4]) / 4, 2),
                          "decoder_ms_per_step_1021_1024": round(sum(step_ms[1020:1024]) / 4, 2),
                          "peak_rss_mb": rss()}), flush=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    pp = sub.add_parser("prepare")
    pp.add_argument("--output", type=Path, required=True)
    pr = sub.add_parser("run")
    pr.add_argument("--output", type=Path, required=True)
    pr.add_argument("--image", type=Path, required=True)
    pr.add_argument("--vqgan-batches", type=int, nargs="+", default=[1, 4])
    pr.add_argument("--samples", type=int, nargs="+", default=[1, 4])
    pr.add_argument("--repeats", type=int, default=2)
    pr.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    if args.cmd == "prepare":
        prepare(args.output)
    else:
        torch.set_num_threads(args.threads)
        bench_vqgan(args.output, args.image, args.vqgan_batches, args.repeats)
        bench_text_to_image(args.output, args.samples)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
