"""PyTorch outputs for ONNX Runtime parity tests: ``cases.json`` + ``.npy`` arrays next to a converted package.

    python3 -m ofa_export.parity --checkpoint CKPT --package PKG --output DIR [--resolutions 256 480 512]

For each resolution and batch size (1 and 3, prompts of different lengths so batch 3 has padding) it records the
inputs, the encoder outputs, the logits of three decode steps for two beams per sentence, fed one token at a time
through the KV cache with the beams reordered between steps, and the logits of three tokens teacher-forced in one
call. The Java suite runs the package's graphs on the same
inputs and compares (max abs difference <= 1e-4 in fp32).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Dict, List

import numpy as np
import torch

from .checkpoint import load_checkpoint
from .model import OfaModel


def _save(out: Path, name: str, array) -> str:
    np.save(out / f"{name}.npy", np.ascontiguousarray(array))
    return f"{name}.npy"


def prompts_for(batch: int, cfg, text_vocab: int) -> torch.Tensor:
    """Token prompts of lengths 9, 6, 4 (bos ... eos) right-padded, ids drawn from the text vocabulary."""
    g = torch.Generator().manual_seed(batch)
    lengths = [9, 6, 4][:batch]
    width = max(lengths)
    ids = torch.full((batch, width), cfg.pad_token_id, dtype=torch.long)
    for row, n in enumerate(lengths):
        body = torch.randint(4, text_vocab - 1, (n - 2,), generator=g)
        ids[row, :n] = torch.cat([torch.tensor([cfg.bos_token_id]), body, torch.tensor([cfg.eos_token_id])])
    return ids


@torch.no_grad()
def write_cases(model: OfaModel, text_vocab: int, out: Path, resolutions: List[int], batches: List[int]) -> Dict:
    cfg = model.cfg
    out.mkdir(parents=True, exist_ok=True)
    cases = []
    for res in resolutions:
        for batch in batches:
            name = f"r{res}_b{batch}"
            g = torch.Generator().manual_seed(res * 10 + batch)
            images = torch.rand(batch, 3, res, res, generator=g) * 2 - 1
            ids = prompts_for(batch, cfg, text_vocab)
            enc = model.encoder(images, ids)
            cross = model.decoder.cross_kv(enc.states, enc.position)
            # two beams per sentence, reordered between steps as beam search does (row r continues past_order[r])
            beams = 2
            rows = batch * beams
            tokens = torch.stack([torch.tensor([cfg.bos_token_id, 50 + r, 7 + 3 * r]) for r in range(rows)])
            orders = [torch.arange(rows),
                      torch.tensor([g * beams + (1 - j) for g in range(batch) for j in range(beams)]),
                      torch.tensor([g * beams for g in range(batch) for _ in range(beams)])]
            past = model.empty_past(rows)
            steps = []
            for t in range(tokens.shape[1]):
                logits, past = model.decoder(tokens[:, t:t + 1], past, orders[t], cross, enc.padding_mask)
                steps.append({"input_ids": _save(out, f"{name}_step{t}_ids", tokens[:, t:t + 1].numpy()),
                              "past_order": _save(out, f"{name}_step{t}_order", orders[t].numpy()),
                              "logits": _save(out, f"{name}_step{t}_logits", logits.numpy())})
            forced_tokens = tokens[::beams]
            forced, _ = model.step(forced_tokens, model.empty_past(batch), cross, enc.padding_mask)
            cases.append({
                "name": name, "resolution": res, "batch": batch,
                "patch_images": _save(out, f"{name}_images", images.numpy()),
                "input_ids": _save(out, f"{name}_ids", ids.numpy()),
                "encoder_hidden_states": _save(out, f"{name}_hidden", enc.states.numpy()),
                "encoder_padding_mask": _save(out, f"{name}_mask", enc.padding_mask.numpy()),
                "encoder_position_embedding": _save(out, f"{name}_position", enc.position.numpy()),
                "steps": steps,
                "beams": beams,
                "teacher_forced": {"input_ids": _save(out, f"{name}_forced_ids", forced_tokens.numpy()),
                                   "logits": _save(out, f"{name}_forced_logits", forced.numpy())},
            })
    index = {"cases": cases}
    (out / "cases.json").write_text(json.dumps(index, indent=2) + "\n")
    return index


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", required=True, type=Path)
    p.add_argument("--output", required=True, type=Path)
    p.add_argument("--resolutions", type=int, nargs="+", default=[256, 480, 512])
    p.add_argument("--batches", type=int, nargs="+", default=[1, 3])
    args = p.parse_args(argv)
    model, ckpt = load_checkpoint(args.checkpoint)
    text_vocab = len(json.loads(ckpt.vocab_file.read_text(encoding="utf-8")))
    write_cases(model, text_vocab, args.output, args.resolutions, args.batches)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
