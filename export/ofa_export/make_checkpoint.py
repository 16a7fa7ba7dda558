"""Command line: ./ofa make-checkpoint --output DIR [--family tiny] [--d-model 64] [--layers 2,2] [--heads 4]

Writes a small OFA checkpoint in the published HF layout (config.json, pytorch_model.bin, vocab.json, merges.txt)
with every parameter random and a byte-level BPE fitted on OFA's prompts: something to convert and run anywhere.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .config import PUBLISHED
from .testing import fit_bpe, full_vocab_size, small_config, write_checkpoint

CORPUS = (" what does the image describe? which region does the text describe? what are the objects in the image?"
          " does the image describe? how many people are there? a man riding a horse on the beach. yes no maybe")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="ofa make-checkpoint", description=__doc__.splitlines()[0])
    p.add_argument("--output", required=True, type=Path)
    p.add_argument("--family", default="tiny", choices=sorted(PUBLISHED), help="size family (sets the ResNet depth)")
    p.add_argument("--d-model", type=int, default=64)
    p.add_argument("--layers", default="2,2", help="encoder,decoder layers")
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--merges", type=int, default=200, help="BPE merges to fit")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    enc, dec = (int(x) for x in args.layers.split(","))
    vocab, merges = fit_bpe(CORPUS, args.merges)
    cfg = small_config(args.family, full_vocab_size(vocab), d_model=args.d_model, layers=(enc, dec), heads=args.heads)
    model = write_checkpoint(args.output, cfg, vocab, merges, seed=args.seed)
    print(f"Wrote {args.output}: {args.family} family, d_model {args.d_model}, {enc}+{dec} layers, "
          f"{sum(p.numel() for p in model.parameters()):,} parameters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
