"""``./ofa bench-convert``: converting a published size, timed (figures only, nothing asserted).

    python3 -m ofa_export.bench_convert --size huge --output build/bench-convert

Writes (once) a random checkpoint with the published shape of ``--size`` (OFA-huge: 929.5M parameters, the real
59457-entry vocabulary with a placeholder BPE padded to GPT-2's 50265 text entries), converts it in fp32, and
prints one JSON line: conversion seconds, the converter's peak RSS, the package's files (graphs, data files, any
loose file), their sizes, and whether each graph's weights went to one ``NAME.onnx.data``.
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import time
from pathlib import Path

from .bench import GPT2_TEXT_VOCAB
from .config import PUBLISHED, published_config
from .export import convert
from .testing import fit_bpe, write_checkpoint


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="ofa bench-convert", description="Convert a random checkpoint of a published "
                                "OFA size and print time, peak memory and the package's layout (figures only).")
    p.add_argument("--size", default="huge", choices=sorted(PUBLISHED), help="published size (default: huge)")
    p.add_argument("--output", type=Path, default=Path("build/bench-convert"),
                   help="work folder; the checkpoint is kept for reruns (default: build/bench-convert)")
    args = p.parse_args(argv)
    ckpt, pkg = args.output / f"checkpoint-{args.size}", args.output / f"package-{args.size}"
    if not (ckpt / "pytorch_model.bin").is_file():
        vocab, merges = fit_bpe(" what does the image describe? a photo of a man riding a horse", 100)
        mask = vocab.pop("<mask>")
        for i in range(len(vocab), GPT2_TEXT_VOCAB - 1):
            vocab[f"<extra_{i}>"] = i
        vocab["<mask>"] = GPT2_TEXT_VOCAB - 1
        assert mask < GPT2_TEXT_VOCAB
        write_checkpoint(ckpt, published_config(args.size), vocab, merges, seed=3)
    shutil.rmtree(pkg, ignore_errors=True)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    manifest = convert(ckpt, pkg, name=f"ofa-{args.size}-shape-random")
    seconds = time.perf_counter() - t0
    files = sorted(f.name for f in pkg.iterdir() if f.is_file())
    listed = {"ofa-model.json", "vocab.json", "merges.txt"}
    for entry in manifest["graphs"].values():
        listed.add(entry["file"])
        if "external_data" in entry:
            listed.add(entry["external_data"]["file"])
    print(json.dumps({
        "bench": "convert", "size": args.size, "parameters": manifest["model_config"]["parameters"],
        "vocab_size": manifest["model_config"]["vocab_size"], "seconds": round(seconds, 1),
        "peak_rss_mb": round(max(rss_before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024),
        "files": len(files), "loose_files": sorted(set(files) - listed),
        "external_data": {g: e.get("external_data", {}).get("bytes") for g, e in manifest["graphs"].items()},
        "package_mb": round(sum((pkg / f).stat().st_size for f in files) / 2 ** 20),
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
