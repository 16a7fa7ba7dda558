"""Command line: ./ofa scenes --output DIR [--train 8000] [--val 500] [--seed 1] [--leak-copies 10]

Synthetic scenes for training and checking a small OFA: 1-4 shapes (circle, square, triangle, star) in six
colours, two size classes, on plain or textured backgrounds, with some overlap, written with their annotations in
the public datasets' own formats, so the corpus job reads them exactly as it reads COCO, RefCOCO and VQAv2:

  DIR/images/{train,val}/scene_NNNNNNN.png
  DIR/annotations/captions_{split}.json        COCO captions (one caption per image, objects largest first)
  DIR/annotations/instances_{split}.json       COCO instances (categories: the four shapes)
  DIR/annotations/refs.json                    RefCOCO refs (ref_id, image_id, ann_id, split, sentences)
  DIR/annotations/vqa_questions_{split}.json   VQAv2 questions
  DIR/annotations/vqa_annotations_{split}.json VQAv2 annotations (ten human answers)
  DIR/annotations/labels_{split}.jsonl         {"key", "label"}: the largest object, e.g. "a red circle"
  DIR/annotations/dataset_scenes.json          Karpathy-style split file (val images as the evaluation split)

--leak-copies K puts K validation scenes into the training split again, re-saved under new ids (other bytes, the
same pixels), as web corpora hold them: the corpus job's leakage filter must take them out by content hash, since
they share no id.
The same seed always gives the same files.
"""
from __future__ import annotations

import argparse
import io
import json
import math
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

from PIL import Image, ImageDraw

SHAPES = ("circle", "square", "triangle", "star")
COLOURS = {"red": (215, 40, 40), "green": (40, 160, 60), "blue": (40, 80, 215), "yellow": (235, 200, 30),
           "purple": (135, 60, 175), "orange": (245, 130, 30)}
NUMBERS = ("zero", "one", "two", "three", "four")
BACKGROUNDS = ((250, 250, 250), (230, 230, 230), (245, 238, 220), (222, 235, 245), (235, 245, 228))
SIZE = 256
SMALL = (13, 22)   # half-extent in pixels
LARGE = (32, 48)
VAL_ID_BASE = 1_000_000
LEAK_ID_BASE = 2_000_000


@dataclass(frozen=True)
class Shape:
    shape: str
    colour: str
    cx: float
    cy: float
    r: float

    @property
    def size(self) -> str:
        return "large" if self.r >= LARGE[0] else "small"

    def polygon(self) -> List[Tuple[float, float]]:
        if self.shape == "triangle":
            return [(self.cx, self.cy - self.r), (self.cx + self.r, self.cy + self.r), (self.cx - self.r, self.cy + self.r)]
        if self.shape == "star":
            pts = []
            for i in range(10):
                rad = self.r if i % 2 == 0 else self.r * 0.45
                a = -math.pi / 2 + i * math.pi / 5
                pts.append((self.cx + rad * math.cos(a), self.cy + rad * math.sin(a)))
            return pts
        raise ValueError(self.shape)

    def box(self) -> Tuple[float, float, float, float]:
        """x0, y0, x1, y1 (x1, y1 exclusive) of the pixels the shape covers when drawn alone: its whole (amodal) box."""
        mask = Image.new("L", (SIZE, SIZE), 0)
        self.draw(ImageDraw.Draw(mask), 255)
        x0, y0, x1, y1 = mask.getbbox()
        return float(x0), float(y0), float(x1), float(y1)

    def _square(self) -> Tuple[int, int, int, int]:
        return round(self.cx - self.r), round(self.cy - self.r), round(self.cx + self.r), round(self.cy + self.r)

    def draw(self, d: ImageDraw.ImageDraw, fill) -> None:
        if self.shape == "circle":
            d.ellipse(list(self._square()), fill=fill)
        elif self.shape == "square":
            d.rectangle(list(self._square()), fill=fill)
        else:
            d.polygon(self.polygon(), fill=fill)


def _iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


def sample_scene(rng: random.Random) -> List[Shape]:
    """1-4 shapes, largest first, the largest clearly the largest (so the label is well defined), little overlap."""
    n = rng.choice((1, 1, 2, 2, 3, 3, 4))
    shapes: List[Shape] = []
    while len(shapes) < n:
        large = not shapes or rng.random() < 0.3
        if shapes and rng.random() < 0.15:
            # now and then the same colour and shape twice: refs must tell them apart by size or side
            twin = shapes[rng.randrange(len(shapes))]
            shape, colour = twin.shape, twin.colour
        else:
            shape, colour = rng.choice(SHAPES), rng.choice(list(COLOURS))
        r = rng.uniform(*(LARGE if large else SMALL))
        if shapes and r * r > shapes[0].r * shapes[0].r / 1.5:
            r = shapes[0].r / math.sqrt(1.5 * 1.1)
        for _ in range(50):
            cx, cy = rng.uniform(r + 2, SIZE - r - 3), rng.uniform(r + 2, SIZE - r - 3)
            cand = Shape(shape, colour, cx, cy, r)
            if all(_iou(cand.box(), s.box()) < 0.15 for s in shapes):
                shapes.append(cand)
                break
        else:
            return sample_scene(rng)
    return shapes


def render(shapes: List[Shape], rng: random.Random) -> Image.Image:
    bg = rng.choice(BACKGROUNDS)
    img = Image.new("RGB", (SIZE, SIZE), bg)
    d = ImageDraw.Draw(img)
    texture = rng.choice(("plain", "plain", "stripes", "checks", "noise"))
    shade = tuple(max(0, c - 18) for c in bg)
    if texture == "stripes":
        step = rng.choice((8, 12, 16))
        for x in range(-SIZE, SIZE, step):
            d.line([(x, 0), (x + SIZE, SIZE)], fill=shade, width=2)
    elif texture == "checks":
        step = rng.choice((16, 32))
        for y in range(0, SIZE, step):
            for x in range(0, SIZE, step):
                if (x // step + y // step) % 2:
                    d.rectangle([x, y, x + step - 1, y + step - 1], fill=shade)
    elif texture == "noise":
        for _ in range(1500):
            x, y = rng.randrange(SIZE), rng.randrange(SIZE)
            d.point((x, y), fill=shade)
    # smaller shapes are drawn last, so an overlapping small shape stays visible
    for s in shapes:
        jitter = tuple(min(255, max(0, c + rng.randint(-12, 12))) for c in COLOURS[s.colour])
        s.draw(d, jitter)
    return img


def plural(shape: str) -> str:
    return shape + "s"


def article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def label(shape: Shape) -> str:
    """A classification label, e.g. 'an orange star'."""
    return f"{article(shape.colour)} {shape.colour} {shape.shape}"


def all_labels() -> List[str]:
    return [label(Shape(s, c, 0, 0, 0)) for c in COLOURS for s in SHAPES]


def caption(shapes: List[Shape]) -> str:
    """'a red circle, two blue stars and a green square': groups of the same colour and shape, largest first."""
    groups: Dict[Tuple[str, str], int] = {}
    for s in shapes:
        groups[(s.colour, s.shape)] = groups.get((s.colour, s.shape), 0) + 1
    parts = [f"{article(c)} {c} {sh}" if k == 1 else f"{NUMBERS[k]} {c} {plural(sh)}" for (c, sh), k in groups.items()]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def expression(shapes: List[Shape], i: int) -> str:
    s = shapes[i]
    twins = [t for t in shapes if t.colour == s.colour and t.shape == s.shape]
    if len(twins) == 1:
        return f"the {s.colour} {s.shape}"
    if len({t.size for t in twins}) == len(twins):
        return f"the {s.size} {s.colour} {s.shape}"
    side = "left" if s.cx == min(t.cx for t in twins) else "right" if s.cx == max(t.cx for t in twins) else None
    if side is None:
        return ""
    return f"the {s.colour} {s.shape} on the {side}"


def questions(shapes: List[Shape], rng: random.Random) -> List[Tuple[str, str, str]]:
    """(question, answer, answer_type) in VQAv2's style."""
    out = [("how many shapes are there?", NUMBERS[len(shapes)], "number")]
    by_shape = [s for s in shapes if sum(t.shape == s.shape for t in shapes) == 1]
    if by_shape:
        s = rng.choice(by_shape)
        out.append((f"what color is the {s.shape}?", s.colour, "other"))
    by_colour = [s for s in shapes if sum(t.colour == s.colour for t in shapes) == 1]
    if by_colour:
        s = rng.choice(by_colour)
        out.append((f"what shape is the {s.colour} one?", s.shape, "other"))
    asked = rng.choice(SHAPES)
    out.append((f"is there a {asked}?", "yes" if any(s.shape == asked for s in shapes) else "no", "yes/no"))
    return out


def write(out: Path, train: int, val: int, seed: int, leak_copies: int) -> Dict[str, int]:
    rng = random.Random(seed)
    ann_dir = out / "annotations"
    ann_dir.mkdir(parents=True, exist_ok=True)
    categories = [{"id": i + 1, "name": s, "supercategory": "shape"} for i, s in enumerate(SHAPES)]
    refs: List[Dict] = []
    karpathy: List[Dict] = []
    counters = {"ann": 1, "ref": 1, "question": 1}
    scenes: Dict[str, List[Tuple[int, str, List[Shape]]]] = {"train": [], "val": []}
    for split, count, base in (("train", train, 0), ("val", val, VAL_ID_BASE)):
        folder = out / "images" / split
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(1, count + 1):
            shapes = sample_scene(rng)
            img = render(shapes, rng)
            name = f"scene_{base + i:07d}.png"
            img.save(folder / name, optimize=False)
            scenes[split].append((base + i, name, shapes))
    # training copies of some validation scenes under new ids, re-saved (other bytes, the same pixels) as web
    # corpora hold them: the leakage filter must remove them by content hash, since they share no id
    for j, (vid, vname, shapes) in enumerate(scenes["val"][:leak_copies]):
        buf = io.BytesIO()
        Image.open(out / "images" / "val" / vname).convert("RGB").save(buf, "PNG", compress_level=1)
        name = f"scene_{LEAK_ID_BASE + j + 1:07d}.png"
        (out / "images" / "train" / name).write_bytes(buf.getvalue())
        scenes["train"].append((LEAK_ID_BASE + j + 1, name, shapes))
    counts = {}
    for split in ("train", "val"):
        images, caps, anns, qs, qas, labels = [], [], [], [], [], []
        for image_id, name, shapes in scenes[split]:
            images.append({"id": image_id, "file_name": name, "width": SIZE, "height": SIZE})
            caps.append({"id": image_id, "image_id": image_id, "caption": caption(shapes)})
            karpathy.append({"filepath": split, "filename": name, "cocoid": image_id,
                             "split": "train" if split == "train" else "val",
                             "sentences": [{"raw": caption(shapes)}]})
            labels.append({"key": name, "label": label(shapes[0])})
            for k, s in enumerate(shapes):
                x0, y0, x1, y1 = s.box()
                ann_id = counters["ann"]
                counters["ann"] += 1
                anns.append({"id": ann_id, "image_id": image_id, "category_id": SHAPES.index(s.shape) + 1,
                             "bbox": [x0, y0, x1 - x0, y1 - y0], "area": (x1 - x0) * (y1 - y0), "iscrowd": 0,
                             "color": s.colour})
                sent = expression(shapes, k)
                if sent:
                    refs.append({"ref_id": counters["ref"], "image_id": image_id, "ann_id": ann_id, "split": split,
                                 "category_id": SHAPES.index(s.shape) + 1, "file_name": name,
                                 "sentences": [{"sent": sent, "raw": sent}]})
                    counters["ref"] += 1
            for q, a, kind in questions(shapes, rng):
                qid = counters["question"]
                counters["question"] += 1
                qs.append({"image_id": image_id, "question": q, "question_id": qid})
                qas.append({"question_id": qid, "image_id": image_id, "question_type": q.split(" ")[0],
                            "answer_type": kind, "multiple_choice_answer": a,
                            "answers": [{"answer": a, "answer_confidence": "yes", "answer_id": n + 1}
                                        for n in range(10)]})
        info = {"description": f"OFA synthetic scenes ({split}), seed {seed}"}
        (ann_dir / f"captions_{split}.json").write_text(json.dumps(
            {"info": info, "images": images, "annotations": caps}))
        (ann_dir / f"instances_{split}.json").write_text(json.dumps(
            {"info": info, "images": images, "annotations": anns, "categories": categories}))
        (ann_dir / f"vqa_questions_{split}.json").write_text(json.dumps({"info": info, "questions": qs}))
        (ann_dir / f"vqa_annotations_{split}.json").write_text(json.dumps({"info": info, "annotations": qas}))
        (ann_dir / f"labels_{split}.jsonl").write_text("".join(json.dumps(x) + "\n" for x in labels))
        counts[f"{split}_images"] = len(images)
        counts[f"{split}_questions"] = len(qs)
    (ann_dir / "refs.json").write_text(json.dumps(refs))
    (ann_dir / "dataset_scenes.json").write_text(json.dumps({"dataset": "scenes", "images": karpathy}))
    counts["refs"] = len(refs)
    return counts


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="ofa scenes", description=__doc__.splitlines()[0])
    p.add_argument("--output", required=True, type=Path)
    p.add_argument("--train", type=int, default=8000)
    p.add_argument("--val", type=int, default=500)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--leak-copies", type=int, default=10)
    args = p.parse_args(argv)
    if args.leak_copies > args.val:
        p.error(f"--leak-copies {args.leak_copies} is more than --val {args.val}")
    counts = write(args.output, args.train, args.val, args.seed, args.leak_copies)
    print(json.dumps({"output": str(args.output), **counts}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
