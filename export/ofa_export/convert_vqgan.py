"""Command line: ./ofa convert-vqgan --checkpoint DIR --output PKG [--dtype fp32|fp16] [--name NAME] [--overwrite]"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .errors import CheckpointError
from .vqgan_export import convert_vqgan


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="ofa convert-vqgan",
                                description="Convert OFA's VQGAN (taming GumbelVQ: vqgan/model.yaml + "
                                            "vqgan/last.ckpt) into an ONNX VQGAN package.")
    p.add_argument("--checkpoint", required=True, type=Path,
                   help="folder with model.yaml and last.ckpt (or an OFA checkpoint folder with a vqgan/ folder)")
    p.add_argument("--output", required=True, type=Path, help="package folder to create")
    p.add_argument("--dtype", default="fp32", choices=["fp32", "fp16"],
                   help="fp16 writes half-precision graphs for GPU executors, fp32 interface (default: fp32)")
    p.add_argument("--name", help="name recorded in the manifest (default: from the checkpoint folder)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing package at --output")
    args = p.parse_args(argv)
    start = time.time()
    try:
        manifest = convert_vqgan(args.checkpoint, args.output, args.name, args.overwrite, args.dtype)
    except CheckpointError as e:
        print(f"ofa convert-vqgan: error: {e}", file=sys.stderr)
        return 2
    cfg = manifest["config"]
    print(f"Wrote {args.output} ({manifest['dtype']} GumbelVQ f{manifest['downsample_factor']}, {manifest['num_codes']} codes, "
          f"ch {cfg['ch']}, z {cfg['z_channels']}, {manifest['parameters']:,} parameters) "
          f"in {time.time() - start:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
