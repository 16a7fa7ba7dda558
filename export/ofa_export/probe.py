"""Does a scenes checkpoint's grounding read the words? Teacher-forced, per location token, the mean log-prob of each
referring expression's gold box, once with its own expression and once with another object's expression on the same
image. A model that grounds by the words puts much less on the box when given the wrong expression; one that ignores
them (phase p1: -4.62/-4.11/-3.48/-3.20 both ways) gives both the same.

    PYTHONPATH=export /usr/bin/python3 -m ofa_export.probe --checkpoint build/scenes-p2 --scenes build/scenes
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import torch
from PIL import Image

from .bpe import BpeTokenizer
from .checkpoint import load_checkpoint
from .preprocess import preprocess_image
from .train import PROMPTS, bin_tokens
from .vocab import NUM_BINS, NUM_CODES


def word_sensitivity(checkpoint: Path, scene_dir: Path, split: str = "val", limit: int = 150) -> Dict[str, object]:
    """{"refs": how many expressions were scored (those on images with two objects or more, at most ``limit``),
    "own_expression" / "other_expression": mean log-prob per location token (x1, y1, x2, y2), "gap": own minus other
    over the four}."""
    model, _ = load_checkpoint(checkpoint)
    model.eval()
    size = int(json.loads((checkpoint / "config.json").read_text())["image_resolution"])
    text_size = model.cfg.vocab_size - NUM_CODES - NUM_BINS   # the vocabulary's layout: text, codes, bins
    tok = BpeTokenizer.from_files(checkpoint / "vocab.json", checkpoint / "merges.txt", text_size, NUM_CODES,
                                  text_size + NUM_CODES, NUM_BINS)
    ann = scene_dir / "annotations"
    refs = [r for r in json.loads((ann / "refs.json").read_text()) if r["split"] == split]
    boxes = {a["id"]: a["bbox"] for a in json.loads((ann / f"instances_{split}.json").read_text())["annotations"]}
    by_image: Dict[int, List[dict]] = defaultdict(list)
    for r in refs:
        by_image[r["image_id"]].append(r)
    own, other = torch.zeros(4, dtype=torch.float64), torch.zeros(4, dtype=torch.float64)
    n = 0
    with torch.no_grad():
        for group in by_image.values():
            if n >= limit:
                break
            if len(group) < 2:
                continue
            path = scene_dir / "images" / split / group[0]["file_name"]
            with Image.open(path) as im:
                width, height = im.size
            image = preprocess_image(path, size)
            for i, ref in enumerate(group[:limit - n]):
                x, y, w, h = boxes[ref["ann_id"]]
                # the location tokens as training encodes them (without bos and eos)
                target = tok.encode("".join(bin_tokens([x, y, x + w, y + h], width, height, size)))[1:-1]
                decoder_in = torch.tensor([[model.cfg.bos_token_id] + target[:-1]])
                wrong = group[(i + 1) % len(group)]["sentences"][0]["sent"]
                for text, total in ((ref["sentences"][0]["sent"], own), (wrong, other)):
                    src = torch.tensor([tok.encode(PROMPTS["grounding"].format(text))])
                    lp = model.log_probs(image, src, decoder_in)[0]
                    total += lp.gather(1, torch.tensor(target)[:, None]).squeeze(1).double()
                n += 1
    if n == 0:
        raise SystemExit(f"No referring expressions on images with two objects or more in split {split!r} of "
                         f"{scene_dir}")
    mean_own, mean_other = (own / n).tolist(), (other / n).tolist()
    return {"refs": n, "own_expression": [round(v, 4) for v in mean_own],
            "other_expression": [round(v, 4) for v in mean_other],
            "gap": round(sum(mean_own) - sum(mean_other), 4)}


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="probe", description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", required=True, type=Path, help="HF-layout checkpoint folder (./ofa train's output)")
    p.add_argument("--scenes", required=True, type=Path, help="./ofa scenes output folder")
    p.add_argument("--split", default="val")
    p.add_argument("--limit", type=int, default=150, help="expressions to score")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    print(json.dumps(word_sensitivity(args.checkpoint, args.scenes, args.split, args.limit)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
