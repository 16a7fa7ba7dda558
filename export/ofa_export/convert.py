"""Command line: ./ofa convert --checkpoint DIR --output PKG [--dtype fp32|fp16] [--name NAME] [--overwrite]
[--vqgan VQGAN_PKG] [--external-data auto|always]"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .errors import CheckpointError
from .export import convert


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="ofa convert",
                                description="Convert an HF-layout OFA checkpoint into an ONNX model package.")
    p.add_argument("--checkpoint", required=True, type=Path,
                   help="folder with config.json, pytorch_model.bin (or .bin.gz, or a fairseq model.pt), "
                        "vocab.json, merges.txt")
    p.add_argument("--output", required=True, type=Path, help="package folder to create")
    p.add_argument("--dtype", default="fp32", choices=["fp32", "fp16"],
                   help="fp16 writes half-precision graphs for GPU executors (fp32 interface)")
    p.add_argument("--name", help="model name recorded in the manifest (default: the checkpoint folder's name)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing package at --output")
    p.add_argument("--resolution", type=int, help="one input resolution for every task (default: the checkpoint's "
                   "image_resolution if it has one, else OFA's 480, and 512 for grounding and detection)")
    p.add_argument("--vqgan", type=Path, help="a VQGAN package (./ofa convert-vqgan) to include in the package's "
                   "vqgan/ folder, for image generation and infilling")
    p.add_argument("--external-data", default="auto", choices=["auto", "always"],
                   help="auto (default): a graph's weights inside its .onnx file, or, where they pass protobuf's 2 GB "
                        "limit (OFA-large and -huge), in one NAME.onnx.data file beside it, named in the manifest "
                        "with its size and SHA-256; always: that layout for every graph")
    args = p.parse_args(argv)
    start = time.time()
    try:
        manifest = convert(args.checkpoint, args.output, args.dtype, args.name, args.overwrite,
                           args.resolution, args.vqgan, args.external_data)
    except CheckpointError as e:
        print(f"ofa convert: error: {e}", file=sys.stderr)
        return 2
    cfg = manifest["model_config"]
    print(f"Wrote {args.output} ({manifest['dtype']}, d_model {cfg['d_model']}, "
          f"{cfg['encoder_layers']}+{cfg['decoder_layers']} layers, {cfg['parameters']:,} parameters) "
          f"in {time.time() - start:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
