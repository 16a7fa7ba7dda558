"""The PyTorch side of ``./ofa bench``: an OFA-tiny-shaped package, and PyTorch eager doing the Java run's work.

    python3 -m ofa_export.bench prepare --output build/bench          # checkpoint + converted package, once
    python3 -m ofa_export.bench run --checkpoint build/bench/checkpoint --image photo.jpg --batches 1 8

``prepare`` writes a checkpoint with OFA-tiny's real shapes (d 256, 4+4 layers, ResNet-50, vocabulary 59457;
random weights, a placeholder vocabulary padded to GPT-2's 50265 entries) and converts it. ``run`` captions with
the eager model: beam 5, 16 steps with eos blocked (the same fixed amount of work as the Java benchmark's timing
pass), KV cache, 480 px, and prints one JSON line per batch size: images/s, encoder ms, decoder ms per step
(first and last four steps) and peak RSS.
"""
from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import torch

from .checkpoint import load_checkpoint
from .config import published_config
from .export import convert
from .preprocess import preprocess_image
from .testing import fit_bpe, write_checkpoint

GPT2_TEXT_VOCAB = 50265


def prepare(out: Path) -> None:
    ckpt, pkg = out / "checkpoint", out / "package"
    if not (ckpt / "pytorch_model.bin").is_file():
        vocab, merges = fit_bpe(" what does the image describe? a photo of a man riding a horse", 100)
        mask = vocab.pop("<mask>")
        assert mask == len(vocab)
        for i in range(len(vocab), GPT2_TEXT_VOCAB - 1):
            vocab[f"<extra_{i}>"] = i
        vocab["<mask>"] = GPT2_TEXT_VOCAB - 1
        write_checkpoint(ckpt, published_config("tiny"), vocab, merges, seed=5)
    if not (pkg / "ofa-model.json").is_file():
        convert(ckpt, pkg, name="ofa-tiny-shape-random")


@torch.no_grad()
def beam_caption(model, images: torch.Tensor, prompt: torch.Tensor, beam: int, steps: int):
    """Fixed-length beam search with KV cache (eos blocked), returning encoder ms and per-step ms."""
    cfg = model.cfg
    batch = images.shape[0]
    t0 = time.perf_counter()
    enc = model.encoder(images, prompt.expand(batch, -1))
    cross = model.decoder.cross_kv(enc.states, enc.position)
    enc_ms = (time.perf_counter() - t0) * 1e3
    mask = enc.padding_mask
    past = model.empty_past(batch * beam)
    order = torch.arange(batch * beam)
    tokens = torch.full((batch * beam, 1), cfg.bos_token_id, dtype=torch.long)
    scores = torch.zeros(batch, beam)
    step_ms = []
    for step in range(steps):
        t = time.perf_counter()
        logits, past = model.decoder(tokens[:, -1:], past, order, cross, mask)
        lp = torch.log_softmax(logits[:, -1], -1)
        lp[:, cfg.eos_token_id] = float("-inf")
        lp[:, cfg.pad_token_id] = float("-inf")
        vocab = lp.shape[-1]
        lp = lp.view(batch, beam, vocab)
        if step == 0:
            cand = lp[:, :1, :].reshape(batch, -1)
        else:
            cand = (lp + scores.unsqueeze(-1)).reshape(batch, -1)
        top, idx = cand.topk(beam, dim=-1)
        src_beam, token = idx // vocab, idx % vocab
        order = (torch.arange(batch).unsqueeze(1) * beam + src_beam).reshape(-1)   # applied in the next call
        tokens = torch.cat([tokens.index_select(0, order), token.reshape(-1, 1)], dim=1)
        scores = top
        step_ms.append((time.perf_counter() - t) * 1e3)
    return enc_ms, step_ms


def run(args) -> None:
    torch.set_num_threads(args.threads)
    model, _ = load_checkpoint(args.checkpoint)
    prompt = torch.tensor([[0, 10, 11, 12, 13, 14, 15, 2]])   # 8 tokens, as the caption prompt
    image = preprocess_image(args.image, 480)
    for batch in args.batches:
        images = image.expand(batch, -1, -1, -1).contiguous()
        beam_caption(model, images, prompt, 5, 2)   # warm-up
        best = None
        for _ in range(args.repeats):
            t = time.perf_counter()
            enc_ms, steps = beam_caption(model, images, prompt, 5, 16)
            total = time.perf_counter() - t
            if best is None or total < best[0]:
                best = (total, enc_ms, steps)
        total, enc_ms, steps = best
        print(json.dumps({"runtime": "pytorch-eager", "batch": batch, "images_per_s": round(batch / total, 3),
                          "encoder_ms": round(enc_ms, 1),
                          "decoder_ms_per_step_first4": round(sum(steps[:4]) / 4, 2),
                          "decoder_ms_per_step_last4": round(sum(steps[-4:]) / 4, 2),
                          "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    pp = sub.add_parser("prepare")
    pp.add_argument("--output", type=Path, required=True)
    pr = sub.add_parser("run")
    pr.add_argument("--checkpoint", type=Path, required=True)
    pr.add_argument("--image", type=Path, required=True)
    pr.add_argument("--batches", type=int, nargs="+", default=[1, 8])
    pr.add_argument("--repeats", type=int, default=2)
    pr.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    if args.cmd == "prepare":
        prepare(args.output)
    else:
        run(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
