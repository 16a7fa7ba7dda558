"""Command line: ./ofa train --corpus DIR --output DIR [--steps 4500] [--batch 32] [--resolution 96] [--resume]

Trains a small OFA from scratch on the corpus job's output (OFA's TSV files: vision_language and detection), all
tasks at once with OFA's own instructions: captioning (also what classification scores), VQA and image-text matching,
visual grounding, grounded captioning and detection. The model is the converter's OfaModel (the same code that
the converter checks against the reference), so what it writes is an HF-layout checkpoint that ``./ofa convert``
turns into a package. Seeded and resumable (``--resume`` continues from OUTPUT/training_state.pt); a progress line
on stderr and a loss log (OUTPUT/loss_log.tsv).
"""
from __future__ import annotations

import os

# OpenMP's default wait policy spins (sched_yield) between the many small parallel regions of a training step: on 2
# cores half the CPU went to the kernel and a step took 1.6x as long as with passive waiting (measured: 18 against 29
# examples/s). It must be set before torch starts its thread pool.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import base64
import hashlib
import io
import json
import math
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .bpe import BpeTokenizer
from .config import OfaConfig
from .export import MAX_IMAGE_SIZE
from .model import RESNET_OUT_CHANNELS, OfaModel
from .scenes import COLOURS
from .testing import fit_bpe, full_vocab_size, hf_config_json, write_vocabulary
from .vocab import NUM_BINS, NUM_CODES

PROMPTS = {
    "caption": " what does the image describe?",
    "grounding": ' which region does the text " {} " describe?',
    "region_caption": "  what does the region describe? region:",
    "detection": " what are the objects in the image?",
}
# how often each kind of example is drawn (grounding and detection are the hardest to learn)
TASK_WEIGHTS = {"caption": 1.0, "qa": 1.0, "itm": 0.4, "grounding": 1.6, "region_caption": 0.4, "detection": 1.6}


def parse_task_weights(text: str) -> Dict[str, float]:
    """``--task-weights caption=2,qa=1.5``: the named tasks' weights replace the defaults (TASK_WEIGHTS)."""
    weights = dict(TASK_WEIGHTS)
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        if not sep or name not in TASK_WEIGHTS:
            raise ValueError(f"Bad --task-weights entry '{part}': expected TASK=WEIGHT with TASK one of "
                             f"{sorted(TASK_WEIGHTS)}")
        try:
            weights[name] = float(value)
        except ValueError:
            raise ValueError(f"Bad --task-weights weight '{value}' for {name}: expected a number >= 0") from None
        if not weights[name] >= 0:
            raise ValueError(f"Bad --task-weights weight '{value}' for {name}: expected a number >= 0")
    if not any(weights.values()):
        raise ValueError("--task-weights leaves every task at weight 0")
    return weights


def normalise(text: str, max_words: int = 80) -> str:
    """OFA's caption/question normalisation: lower case, leading punctuation off, - and / as spaces."""
    text = text.lower().lstrip(",.!?*#:;~")
    text = re.sub(r"[-/]", " ", text)
    text = re.sub(r"\s{2,}", " ", text).strip()
    return " ".join(text.split(" ")[:max_words])


def bin_of(x: float, scale: float) -> int:
    return int(min(NUM_BINS - 1, max(0, round(x * scale / MAX_IMAGE_SIZE * (NUM_BINS - 1)))))


def bin_tokens(box: Sequence[float], width: int, height: int, size: int) -> List[str]:
    sx, sy = size / width, size / height
    return [f"<bin_{bin_of(box[0], sx)}>", f"<bin_{bin_of(box[1], sy)}>", f"<bin_{bin_of(box[2], sx)}>",
            f"<bin_{bin_of(box[3], sy)}>"]


def box_key(values: Sequence) -> Tuple[float, ...]:
    """A box written by the corpus job (x1,y1,x2,y2 in source pixels) as a key that ignores formatting."""
    return tuple(round(float(v), 1) for v in values)


def question_boxes(question: str, objects: Sequence[Tuple[List[float], str]]) -> List[List[float]]:
    """The boxes of the objects a scene question is about, from the objects' names ("red circle", or "circle" where
    no expression gave the colour): "is there a star?" and "what color is the star?" -> the stars, "what shape is
    the red one?" -> the red objects; none for other questions (counting) or when the scene has no such object."""
    q = question.strip()
    by_shape = re.fullmatch(r"(?:is there an?|what colou?r is the) (\w+)\?", q)
    if by_shape:
        return [box for box, name in objects if name.split(" ")[-1] == by_shape.group(1)]
    by_colour = re.fullmatch(r"what shape is the (\w+) one\?", q)
    if by_colour:
        return [box for box, name in objects if " " in name and name.split(" ")[0] == by_colour.group(1)]
    return []


class Corpus:
    """The corpus TSVs as (task, image index, encoder ids, target ids) examples; each distinct image decoded once."""

    def __init__(self, corpus_dir: Path, size: int):
        self.size = size
        self.images: List[np.ndarray] = []
        self.dims: List[Tuple[int, int]] = []
        self._index: Dict[str, int] = {}
        self.rows: List[Tuple[str, int, str, str]] = []   # task, image, encoder text, target text
        self.objects: Dict[int, List[Tuple[List[float], str]]] = {}   # image -> (box in resized pixels, label)
        # image -> box (source pixels) -> the colour its referring expression names; detection labels name only the
        # shape, so this is where an object's colour comes from (read before the detection files)
        self.colours: Dict[int, Dict[Tuple[float, ...], str]] = defaultdict(dict)
        # grounding row (the box its answer writes) or region-caption row (the box its prompt gives) -> that box in
        # resized pixels
        self.regions: Dict[int, List[float]] = {}
        vl = sorted((corpus_dir / "tsv" / "vision_language").glob("*.txt"))
        det = sorted((corpus_dir / "tsv" / "detection").glob("*.txt"))
        if not vl and not det:
            raise SystemExit(f"No corpus TSV files under {corpus_dir}/tsv (run ./ofa corpus first)")
        for f in vl:
            for line in f.read_text(encoding="utf-8").splitlines():
                self._vision_language(line.split("\t"))
        for f in det:
            for line in f.read_text(encoding="utf-8").splitlines():
                self._detection(line.split("\t"))
        # question row -> the boxes (resized pixels) of the objects its question is about, where the scene has any
        self.question_regions: Dict[int, List[List[float]]] = {}
        for i, (task, image, question, _) in enumerate(self.rows):
            if task == "qa":
                boxes = question_boxes(question, self.objects.get(image, []))
                if boxes:
                    self.question_regions[i] = boxes

    def _image(self, b64: str) -> int:
        key = hashlib.sha1(b64.encode("ascii")).hexdigest()
        idx = self._index.get(key)
        if idx is None:
            with Image.open(io.BytesIO(base64.b64decode(b64))) as im:
                rgb = im.convert("RGB")
                self.dims.append(rgb.size)
                self.images.append(np.asarray(rgb.resize((self.size, self.size), Image.BICUBIC), dtype=np.uint8))
            idx = self._index[key] = len(self.images) - 1
        return idx

    def _vision_language(self, cols: List[str]) -> None:
        _, b64, caption, question, refs, _, _, kind = cols[:8]
        image = self._image(b64)
        if kind == "caption":
            self.rows.append(("caption", image, PROMPTS["caption"], " " + normalise(caption)))
        elif kind == "qa":
            answers = [a.split("|!+", 1) for a in refs.split("&&") if "|!+" in a]
            best = max(answers, key=lambda a: float(a[0]))[1]
            q = normalise(question)
            q = q if q.endswith("?") else q + "?"
            task = "itm" if q.startswith("does the image describe") else "qa"
            self.rows.append((task, image, " " + q, " " + best))
        elif kind == "visual_grounding":
            w, h = self.dims[image]
            box = [float(v) for v in refs.split(",")[:4]]
            bins = "".join(bin_tokens(box, w, h, self.size))
            expr = normalise(caption)
            colour = next((w for w in expr.split() if w in COLOURS), None)
            if colour is not None:
                self.colours[image][box_key(box)] = colour
            self.regions[len(self.rows)] = self.regions[len(self.rows) + 1] = self._resized(box, image)
            self.rows.append(("grounding", image, PROMPTS["grounding"].format(expr), bins))
            self.rows.append(("region_caption", image, PROMPTS["region_caption"] + bins, " " + expr))

    def _detection(self, cols: List[str]) -> None:
        _, b64, boxes = cols[:3]
        image = self._image(b64)
        w, h = self.dims[image]
        objects = []
        for b in boxes.split("&&"):
            f = b.split(",", 5)
            box = [float(v) for v in f[:4]]
            # the cell head's name for the object: its colour (where an expression gave one) and category
            colour = self.colours.get(image, {}).get(box_key(box))
            name = f[5] if colour is None else f"{colour} {f[5]}"
            objects.append(((box[2] - box[0]) * (box[3] - box[1]), box, f[5], name))
        # largest first, as the captions list them
        objects.sort(key=lambda o: -o[0])
        self.objects[image] = [(self._resized(box, image), name) for _, box, _, name in objects]
        target = "".join("".join(bin_tokens(box, w, h, self.size)) + " " + label for _, box, label, _ in objects)
        self.rows.append(("detection", image, PROMPTS["detection"], target))

    def _resized(self, box: Sequence[float], image: int) -> List[float]:
        """A box in the image's source pixels -> the same box in the training resolution's pixels."""
        w, h = self.dims[image]
        return [box[0] * self.size / w, box[1] * self.size / h, box[2] * self.size / w, box[3] * self.size / h]

    def texts(self) -> str:
        return " ".join(r[2] + " " + re.sub(r"<bin_\d+>", " ", r[3]) for r in self.rows)


def init_weights(model: OfaModel, seed: int) -> None:
    """BERT-style init for the transformer (N(0, 0.02)), He init for the ResNet, identity-like norms."""
    torch.manual_seed(seed)
    for module in model.modules():
        if isinstance(module, torch.nn.Linear):
            torch.nn.init.normal_(module.weight, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, torch.nn.Embedding):
            torch.nn.init.normal_(module.weight, std=0.02)
        elif isinstance(module, torch.nn.Conv2d):
            torch.nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(module, (torch.nn.LayerNorm, torch.nn.BatchNorm2d)):
            torch.nn.init.ones_(module.weight)
            torch.nn.init.zeros_(module.bias)
    for name, p in model.named_parameters():
        if "rel_pos_table_list" in name:
            torch.nn.init.zeros_(p)
    # NormFormer puts a LayerNorm on each attention output and FFN hidden layer, so from the first step every
    # residual branch adds a vector as large as the stream itself: the image tokens' own content is swamped by
    # attention mixtures (a linear probe for the largest object's colour, at 83% on the ResNet grid, fell to chance
    # after the first encoder layer). Started at 0.1 the probe stays at 85-90% through the encoder early on (step
    # 250); the scales are learned up from there. The training losses so far were the same either way.
    for name, module in model.named_modules():
        if name.endswith(("mid_layer_norm", "ffn_layer_norm")):
            torch.nn.init.constant_(module.weight, 0.1)
    # each residual block of the ResNet starts as the identity (its last BatchNorm scale 0), which trains from
    # scratch faster and more stably
    for name, module in model.encoder.embed_images.named_modules():
        if name.endswith("bn3"):
            torch.nn.init.zeros_(module.weight)


def cell_targets(objects: Sequence[Tuple[Sequence[float], str]], labels: Dict[str, int], size: int,
                 grid: int) -> Tuple[List[int], List[int]]:
    """Per ResNet grid cell, row-major: the label index of the object under the cell's centre (0: background) and
    that object's place in ``objects`` plus one (0: background; ``objects`` come largest first, the order in which
    captions and detection targets name them).

    Where boxes overlap the smallest wins: it is the one most likely drawn on top and the one a larger box would
    otherwise swallow. Boxes, not masks, so a cell in a triangle's empty corner is counted as the triangle.
    """
    cell = size / grid
    names, ranks = [], []
    for r in range(grid):
        for c in range(grid):
            x, y = (c + 0.5) * cell, (r + 0.5) * cell
            hits = [((b[2] - b[0]) * (b[3] - b[1]), labels[label], i + 1) for i, (b, label) in enumerate(objects)
                    if b[0] <= x <= b[2] and b[1] <= y <= b[3]]
            _, name, rank = min(hits) if hits else (0, 0, 0)
            names.append(name)
            ranks.append(rank)
    return names, ranks


def coordinate_classes(grid: int) -> int:
    """How finely the cell head places an object's box edges: four classes per grid cell (4 px at 96 px)."""
    return 4 * grid


def cell_label_table(objects: Dict[int, List[Tuple[List[float], str]]], images: int,
                     resolution: int) -> Tuple[torch.Tensor, List[str], int, int]:
    """``cell_targets`` for every image: ([images, 6, grid*grid]: label, size-order place, and the x1, y1, x2, y2
    of the object's box in ``coordinate_classes`` steps (-100 on background), all -100 for images without objects;
    the label names, label k being names[k - 1] (0 is background); places, at most 8, the rest counted as the 8th;
    grid side)."""
    names = sorted({label for objs in objects.values() for _, label in objs})
    index = {name: i + 1 for i, name in enumerate(names)}
    grid = resolution
    for _ in range(4):   # the ResNet stem halves the grid four times, rounding up
        grid = (grid + 1) // 2
    ranks = min(8, max(map(len, objects.values())))
    steps = coordinate_classes(grid)
    table = torch.full((images, 6, grid * grid), -100, dtype=torch.long)
    for image, objs in objects.items():
        labels, places = cell_targets(objs, index, resolution, grid)
        table[image, 0] = torch.tensor(labels)
        table[image, 1] = torch.tensor(places).clamp(max=ranks)
        for k, place in enumerate(places):
            if place:
                box = objs[place - 1][0]
                table[image, 2:, k] = torch.tensor([min(steps - 1, max(0, int(v / resolution * steps))) for v in box])
    return table, names, ranks, grid


def cell_values(cells: torch.Tensor, label_value: torch.Tensor) -> torch.Tensor:
    """[N, 6, cells] targets of ``cell_label_table`` -> [N, cells]: ``label_value`` of the object under each cell
    (its colour's or category's token id, or its colour class), -1 where the cell is background, the object has no
    such value, or the image has no targets."""
    labels = cells[:, 0]
    return torch.where(labels > 0, label_value[labels.clamp(min=0)], torch.full_like(labels, -1))


def box_cells(box: Sequence[float], size: int, grid: int) -> List[bool]:
    """Per ResNet grid cell, row-major: whether its centre lies in ``box`` (x1, y1, x2, y2 in resized pixels); a box
    too small to hold a centre gets the one cell under its own centre."""
    cell = size / grid
    inside = [box[0] <= (c + 0.5) * cell <= box[2] and box[1] <= (r + 0.5) * cell <= box[3]
              for r in range(grid) for c in range(grid)]
    if not any(inside):
        r = min(grid - 1, max(0, int((box[1] + box[3]) / 2 / cell)))
        c = min(grid - 1, max(0, int((box[0] + box[2]) / 2 / cell)))
        inside[r * grid + c] = True
    return inside


def word_targets(labels: torch.Tensor, cell_words: torch.Tensor) -> torch.Tensor:
    """[B, T, n]: for each target that is a colour word (or a category), the cells of objects of that colour
    (category): ``cell_words`` [B, n] holds the word's token id per cell (``cell_values``); nothing elsewhere. A -1
    label (none) never matches a cell without one."""
    return labels.unsqueeze(-1).eq(cell_words.unsqueeze(1)) & labels.ge(0).unsqueeze(-1)


def first_pieces(tokenizer: BpeTokenizer, words: Sequence[str]) -> Dict[str, int]:
    """word -> the token id of its first BPE piece (as written after a space), for the words whose first piece no
    other word of ``words`` shares."""
    first = {w: tokenizer.encode(" " + w)[1] for w in words}
    return {w: i for w, i in first.items() if list(first.values()).count(i) == 1}


def region_targets(labels: torch.Tensor, regions: torch.Tensor, first_bin_id: int) -> torch.Tensor:
    """[B, T, n]: for each location token of an example that has a region (``regions`` [B, n], the cells of the box
    a grounding answer writes), that region's cells; nothing elsewhere."""
    return labels.ge(first_bin_id).unsqueeze(-1) & regions.unsqueeze(1)


def referred_cells_loss(logits: torch.Tensor, regions: torch.Tensor, kind: str = "bce") -> Optional[torch.Tensor]:
    """The referred-cells head's loss: ``logits`` [B, n] (one per image token of each example's encoder output),
    ``regions`` [B, n] the cells of the box its prompt is about (``box_cells``), over the examples that have one.
    None when none has.

    ``bce``: binary cross-entropy per cell, averaged over cells. Measured after 4,500 steps, a head trained so marks
    every object's cells alike (0.4-0.5 on both squares for "the purple square" and for "the green square"): telling
    objects from background already brings the average down to 0.08, and the words never count.
    ``softmax``: one distribution over the image's cells, the loss -log of its mass on the box's cells. Marking every
    object alike costs log(number of objects) here, so only reading the words brings it down.
    """
    valid = regions.any(-1)
    if not bool(valid.any()):
        return None
    if kind == "softmax":
        log_p = torch.log_softmax(logits[valid], dim=-1)
        return -torch.logsumexp(log_p.masked_fill(~regions[valid], float("-inf")), dim=-1).mean()
    return F.binary_cross_entropy_with_logits(logits[valid], regions[valid].to(logits.dtype))


def attention_guide_loss(weights: Sequence[torch.Tensor], targets: torch.Tensor,
                         every_head: Optional[torch.Tensor] = None) -> Optional[torch.Tensor]:
    """How little cross-attention falls on the cells each target token is about.

    ``weights``: each decoder layer's cross-attention [B, H, T, S] (the image cells are the first ``n`` keys);
    ``targets`` [B, T, n]: the cells that target token t should look at (``word_targets``: a colour or category
    word's objects; ``region_targets``: a location token's box). Per layer, the head that puts the most mass on
    those cells counts, or, for the targets marked in ``every_head`` [B, T], the mass averaged over the heads: the
    loss is -log of that mass, averaged over layers and the targets that have at least one cell. None when the batch
    has no such target.

    Why ``every_head`` for location tokens: with the best head alone, a model that ignores the expression met the
    guide by sending one head to each object (two heads on the purple square, two on the green one, whichever was
    asked for), and its grounding answers did not depend on the words at all.
    """
    n = targets.shape[2]
    valid = targets.any(-1)
    if not bool(valid.any()):
        return None
    m = targets.to(weights[0].dtype).unsqueeze(1)                                             # [B, 1, T, n]
    losses = []
    for w in weights:
        mass = (w[..., :n] * m).sum(-1)                                                       # [B, H, T]
        chosen = mass.amax(1) if every_head is None else torch.where(every_head, mass.mean(1), mass.amax(1))
        losses.append(-chosen.clamp(min=1e-6).log()[valid].mean())
    return torch.stack(losses).mean()


class Trainer:
    def __init__(self, args, corpus: Corpus, tokenizer: BpeTokenizer, cfg: OfaConfig, model: OfaModel):
        self.args, self.corpus, self.tok, self.cfg, self.model = args, corpus, tokenizer, cfg, model
        self.by_task: Dict[str, List[int]] = defaultdict(list)
        self.by_image: List[Dict[str, List[int]]] = [defaultdict(list) for _ in corpus.images]
        for i, r in enumerate(corpus.rows):
            self.by_task[r[0]].append(i)
            self.by_image[r[1]][r[0]].append(i)
        self.tasks = sorted(self.by_task)
        self.encoded = [(tokenizer.encode(r[2]), tokenizer.encode(r[3])[1:]) for r in corpus.rows]
        self.pixels = torch.from_numpy(np.stack(corpus.images)).permute(0, 3, 1, 2).contiguous()   # uint8
        # --aux-weight: a training-only head that names, from each image token of the encoder's output, the object
        # under that grid cell (its colour, from the referring expressions, and its category), the object's place in
        # the size order (captions and detection targets name objects largest first), the cell's row and column,
        # and the edges of its object's box. It pushes what the decoder must read (colour and shape, which object
        # comes next, and where: OFA adds no position to image tokens, the encoder has to work it out from its
        # position biases) into the encoder states from the first steps. The box edges were added so that a decoder
        # attending to the object (as the guide below teaches) could read where it ends: teacher forced, it wrote
        # grounding's first edge within 10 bins only 56-64% of the time with 89% of its attention on the right
        # object. In the one run measured (2,500 steps) they did not help (65%; see the README), so they are off
        # unless --box-edges. Not part of the model or the checkpoint.
        # --attn-weight: where a target word is a colour, the decoder is taught to look at the cells of that colour,
        # and where it writes a grounding answer's location tokens, at the cells of that box (see
        # attention_guide_loss): the decoder otherwise reads the image mostly through the prompt's encoder states,
        # names colours by their prior and, asked for "the blue triangle", boxes whichever object it sees first
        # (most of the grounding misses were another object's box). Training only, like the cell head.
        # --refer-weight: a third training-only head says, from each image token of the encoder's output, whether the
        # cell lies in the box the prompt is about (the object a grounding expression names, the region a region
        # caption is asked for). The cell head's targets are the same for every prompt on an image; this one makes
        # the encoder bind the prompt's words to the cells: with the guide alone the decoder looked at the right
        # object when told where it was (teacher forced) but, asked for "the blue triangle" among two objects,
        # picked the right one about half the time, as if it ignored the words.
        self.refer_head: Optional[torch.nn.Linear] = None
        self.cell_head: Optional[torch.nn.Linear] = None
        self.stem_head: Optional[torch.nn.Linear] = None
        self.cell_labels: Optional[torch.Tensor] = None
        self.region_cells: Dict[int, torch.Tensor] = {}
        self.label_colour: Optional[torch.Tensor] = None
        self.label_category: Optional[torch.Tensor] = None
        params = list(model.parameters())
        refer = args.refer_weight > 0
        if (args.aux_weight > 0 or args.attn_weight > 0 or refer) and corpus.objects:
            self.cell_labels, names, self.ranks, self.grid = cell_label_table(
                corpus.objects, len(corpus.images), args.resolution)
            self.classes = len(names) + 1
            # a colour or a category is recognised by its word's first BPE piece, where no other word of its kind
            # starts with it
            colour_ids = first_pieces(tokenizer, COLOURS)
            name_colours = [n.split(" ")[0] for n in names]   # a name's first word, a colour or not
            self.label_colour = torch.tensor([-1] + [colour_ids.get(c, -1) for c in name_colours])
            name_categories = [n.split(" ")[-1] for n in names]
            category_ids = first_pieces(tokenizer, sorted(set(name_categories)))
            self.label_category = torch.tensor([-1] + [category_ids.get(c, -1) for c in name_categories])
            if args.attn_weight > 0 or refer:
                self.region_cells = {row: torch.tensor(box_cells(box, args.resolution, self.grid))
                                     for row, box in corpus.regions.items()}
            if refer and args.refer_questions:
                # the referred-cells head also marks what a question is about: p2 answered "is there a star?" from
                # the number of objects, never looking for the star (see the README)
                for row, boxes in corpus.question_regions.items():
                    cells = torch.zeros(self.grid * self.grid, dtype=torch.bool)
                    for box in boxes:
                        cells |= torch.tensor(box_cells(box, args.resolution, self.grid))
                    self.region_cells[row] = cells
            if args.aux_weight > 0:
                # the box edges' outputs only where they are trained (--box-edges)
                self.edge_classes = coordinate_classes(self.grid) if args.box_edges else 0
                self.cell_head = torch.nn.Linear(cfg.d_model, self.classes + self.ranks + 1 + 2 * self.grid
                                                 + 4 * self.edge_classes)
                # and a second head, on the ResNet grid itself, for the object's colour alone: trained with the
                # rest, the ResNet gives up colour for shape and place (a linear probe for the colour under the
                # largest object's centre cell fell from 85% at initialisation to about 30%), and the cell head's
                # signal, three encoder layers away and clipped with every other loss, did not bring it back in
                # 1,500 steps; on the grid the same ResNet relearns it in about 100
                self.stem_head = torch.nn.Linear(RESNET_OUT_CHANNELS, len(COLOURS))
                classes = {c: i for i, c in enumerate(COLOURS)}
                self.label_colour_class = torch.tensor([-1] + [classes.get(c, -1) for c in name_colours])
                params += list(self.cell_head.parameters()) + list(self.stem_head.parameters())
            if refer:
                self.refer_head = torch.nn.Linear(cfg.d_model, 1)
                params += list(self.refer_head.parameters())
        self.optimizer = torch.optim.AdamW(params, lr=args.lr, betas=(0.9, 0.98), weight_decay=0.01)
        self.step = 0
        self.rng = random.Random(args.seed)
        self.task_weights: Dict[str, float] = args.task_weights   # parsed once, in main()

    def lr_at(self, step: int) -> float:
        warmup = max(1, min(self.args.warmup, self.args.steps // 10))
        if step < warmup:
            return self.args.lr * (step + 1) / warmup
        progress = (step - warmup) / max(1, self.args.steps - warmup)
        return self.args.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))

    def batch(self):
        """--batch examples over --images-per-batch images: each image's ResNet pass serves several prompts."""
        per_image = max(1, self.args.batch // self.args.images_per_batch)
        picks, slots, slot_images = [], [], []
        for slot in range(self.args.images_per_batch):
            image = self.rng.randrange(len(self.corpus.images))
            slot_images.append(image)
            tasks = [t for t in self.tasks if self.by_image[image].get(t)]
            weights = [self.task_weights.get(t, 1.0) for t in tasks]
            if not any(weights):
                weights = [1.0] * len(tasks)   # an image that has only zero-weight tasks is still drawn
            for _ in range(per_image):
                task = self.rng.choices(tasks, weights)[0]
                picks.append(self.rng.choice(self.by_image[image][task]))
                slots.append(slot)
        pad = self.cfg.pad_token_id
        enc = [self.encoded[i][0] for i in picks]
        tgt = [self.encoded[i][1] for i in picks]   # pieces + eos
        src = torch.full((len(picks), max(map(len, enc))), pad, dtype=torch.long)
        dec_in = torch.full((len(picks), max(map(len, tgt))), pad, dtype=torch.long)
        labels = torch.full_like(dec_in, -100)
        for j, (e, t) in enumerate(zip(enc, tgt)):
            src[j, :len(e)] = torch.tensor(e)
            dec_in[j, :len(t)] = torch.tensor([self.cfg.bos_token_id] + t[:-1])
            labels[j, :len(t)] = torch.tensor(t)
        images = self.pixels[slot_images].float().div_(255.0).sub_(0.5).div_(0.5)
        cells = self.cell_labels[slot_images] if self.cell_labels is not None else None
        regions = None
        if self.region_cells:
            none = torch.zeros(self.grid * self.grid, dtype=torch.bool)
            regions = torch.stack([self.region_cells.get(i, none) for i in picks])
        return images, torch.tensor(slots), src, dec_in, labels, [self.corpus.rows[i][0] for i in picks], cells, \
            regions

    def cell_loss(self, states: torch.Tensor, slots: torch.Tensor, cells: torch.Tensor) -> torch.Tensor:
        """The cell head's cross-entropy on every example's image tokens (the encoder output's first tokens): which
        object, its place in the size order, which row, which column, and the edges of its object's box; summed."""
        per_example = cells.index_select(0, slots)
        n = per_example.shape[2]
        if n != self.grid * self.grid:
            raise ValueError(f"the ResNet grid has {n} cells, the cell targets were made for {self.grid}x{self.grid}")
        logits = self.cell_head(states[:, :n])
        g = self.grid
        cell = torch.arange(n)
        k, r, q = self.classes, self.ranks + 1, self.edge_classes
        loss = F.cross_entropy(logits[..., :k].transpose(1, 2), per_example[:, 0], ignore_index=-100)
        loss = loss + F.cross_entropy(logits[..., k:k + r].transpose(1, 2), per_example[:, 1], ignore_index=-100)
        at = k + r
        loss = loss + F.cross_entropy(logits[..., at:at + g].reshape(-1, g), (cell // g).repeat(len(slots)))
        loss = loss + F.cross_entropy(logits[..., at + g:at + 2 * g].reshape(-1, g), (cell % g).repeat(len(slots)))
        at += 2 * g
        for edge in range(4 if q else 0):   # x1, y1, x2, y2 of the cell's object's box (with --box-edges)
            if bool(per_example[:, 2 + edge].ge(0).any()):
                loss = loss + F.cross_entropy(logits[..., at + edge * q:at + (edge + 1) * q].transpose(1, 2),
                                              per_example[:, 2 + edge], ignore_index=-100)
        return loss

    def loss(self, images, slots, src, dec_in, labels, cells=None, regions=None):
        """(per-example token loss, cell head loss or None, attention guide loss or None, referred-cells loss or
        None)."""
        encoder = self.model.encoder
        own = encoder.image_features

        grids = []

        def shared(patch_images):   # the ResNet runs once per image, its grid is repeated for the image's prompts
            feats, rows, cols = own(patch_images)
            grids.append(feats)
            return feats.index_select(0, slots), rows, cols

        encoder.image_features = shared
        try:
            enc = encoder(images, src)
        finally:
            del encoder.image_features
        cross = self.model.decoder.cross_kv(enc.states, enc.position)
        guide = cells is not None and self.args.attn_weight > 0
        attention = [layer.cross_attn for layer in self.model.decoder.layers]
        for a in attention:
            a.record = [] if guide else None
        try:
            logits, _ = self.model.step(dec_in, self.model.empty_past(src.shape[0]), cross, enc.padding_mask)
            weights = [w for a in attention for w in (a.record or [])]
        finally:
            for a in attention:
                a.record = None
        attn = None
        if guide:
            per_example = cells.index_select(0, slots)
            targets = word_targets(labels, cell_values(per_example, self.label_colour)) \
                | word_targets(labels, cell_values(per_example, self.label_category))
            every_head = None
            if regions is not None:
                located = region_targets(labels, regions, self.tok.bin_first_id)
                targets = targets | located
                if self.args.region_guide == "every-head":
                    every_head = located.any(-1)
            attn = attention_guide_loss(weights, targets, every_head)
        # flattened to [B*T, V] rather than transposed to [B, V, T]: the transposed layout made two copies of the
        # logits and a strided log-softmax over the vocabulary, about 5% of a step
        per_token = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100,
                                    reduction="none", label_smoothing=self.args.label_smoothing).view_as(labels)
        counts = labels.ne(-100).sum(1).clamp(min=1)
        aux = None
        if cells is not None and self.cell_head is not None:
            colour = cell_values(cells, self.label_colour_class)
            stem = F.cross_entropy(self.stem_head(grids[0]).transpose(1, 2), colour, ignore_index=-1) \
                if bool(colour.ge(0).any()) else grids[0].new_zeros(())
            aux = self.cell_loss(enc.states, slots, cells) + stem
        refer = None
        if regions is not None and self.refer_head is not None:
            refer = referred_cells_loss(self.refer_head(enc.states[:, :regions.shape[1]]).squeeze(-1), regions,
                                        self.args.refer_loss)
        return per_token.sum(1) / counts, aux, attn, refer

    def train(self) -> None:
        args = self.args
        log = (args.output / "loss_log.tsv").open("a", encoding="utf-8")
        if self.step == 0:
            log.write("step\tlr\tloss\t" + "\t".join(self.tasks)
                      + "\timage_gain\tcells\tattention\treferred\texamples_per_s\telapsed_s\n")
        start = time.time()
        window: Dict[str, List[float]] = defaultdict(list)
        seen = 0
        self.model.train()
        if args.frozen_batchnorm:
            # BatchNorm as a fixed affine map (running statistics, not the batch's): the batch's own statistics
            # would tie each image's features to the others drawn with it
            for module in self.model.modules():
                if isinstance(module, torch.nn.BatchNorm2d):
                    module.eval()
        # --stop-at ends the run early with a checkpoint, as an interruption would: the schedule still runs to --steps
        end = min(args.steps, args.stop_at) if args.stop_at else args.steps
        while self.step < end:
            lr = self.lr_at(self.step)
            for g in self.optimizer.param_groups:
                g["lr"] = lr
            images, slots, src, dec_in, labels, kinds, cells, regions = self.batch()
            per_example, aux, attn, refer = self.loss(images, slots, src, dec_in, labels, cells, regions)
            loss = per_example.mean()
            total = loss + args.aux_weight * aux if aux is not None else loss
            total = total + args.attn_weight * attn if attn is not None else total
            total = total + args.refer_weight * refer if refer is not None else total
            self.optimizer.zero_grad(set_to_none=True)
            total.backward()
            if self.args.clip > 0:
                torch.nn.utils.clip_grad_norm_([p for g in self.optimizer.param_groups for p in g["params"]],
                                               self.args.clip)
            self.optimizer.step()
            self.step += 1
            seen += len(kinds)
            window["loss"].append(loss.item())
            if aux is not None:
                window["cells"].append(aux.item())
            if attn is not None:
                window["attention"].append(attn.item())
            if refer is not None:
                window["referred"].append(refer.item())
            for k, l in zip(kinds, per_example.detach().tolist()):
                window[k].append(l)
            if self.step % args.log_every == 0 or self.step == args.steps:
                # how much the model uses the image: the loss with each prompt given another image of the batch,
                # minus the loss with its own (0 means the image is ignored)
                with torch.no_grad():
                    other = torch.roll(torch.arange(images.shape[0]), 1)
                    window["image_gain"].append(self.loss(images[other], slots, src, dec_in, labels)[0].mean().item()
                                                - self.loss(images, slots, src, dec_in, labels)[0].mean().item())
                elapsed = time.time() - start
                rate = seen / elapsed
                mean = {k: sum(v) / len(v) for k, v in window.items() if v}
                log.write(f"{self.step}\t{lr:.6f}\t{mean['loss']:.4f}\t"
                          + "\t".join(f"{mean.get(t, float('nan')):.4f}" for t in self.tasks)
                          + f"\t{mean['image_gain']:.4f}\t{mean.get('cells', float('nan')):.4f}"
                          + f"\t{mean.get('attention', float('nan')):.4f}"
                          + f"\t{mean.get('referred', float('nan')):.4f}"
                          + f"\t{rate:.1f}\t{elapsed:.0f}\n")
                log.flush()
                done = self.step / args.steps
                eta = (args.steps - self.step) * args.batch / rate if rate else 0
                bar = "#" * int(30 * done) + "-" * (30 - int(30 * done))
                print(f"\r[{bar}] {self.step}/{args.steps} loss {mean['loss']:.3f} "
                      + " ".join(f"{t} {mean[t]:.2f}" for t in self.tasks if t in mean)
                      + f" image_gain {mean['image_gain']:.3f}"
                      + (f" cells {mean['cells']:.2f}" if "cells" in mean else "")
                      + (f" attention {mean['attention']:.2f}" if "attention" in mean else "")
                      + (f" referred {mean['referred']:.3f}" if "referred" in mean else "")
                      + f" | {rate:.1f} ex/s, eta {eta / 60:.0f} min", end="", file=sys.stderr, flush=True)
                window.clear()
            if self.step % args.save_every == 0 or self.step == end:
                self.save()
        print(file=sys.stderr)
        log.close()

    def save(self) -> None:
        out = self.args.output
        state = {k: v for k, v in self.model.state_dict().items() if not k.endswith("num_batches_tracked")}
        tmp = out / "pytorch_model.bin.tmp"
        torch.save(state, tmp)
        tmp.replace(out / "pytorch_model.bin")
        torch.save({"step": self.step, "optimizer": self.optimizer.state_dict(), "rng": self.rng.getstate(),
                    "cell_head": self.cell_head.state_dict() if self.cell_head is not None else None,
                    "stem_head": self.stem_head.state_dict() if self.stem_head is not None else None,
                    "refer_head": self.refer_head.state_dict() if self.refer_head is not None else None,
                    "torch_rng": torch.get_rng_state(), "args": vars(self.args) | {"output": str(out),
                                                                                   "corpus": str(self.args.corpus)}},
                   out / "training_state.tmp")
        (out / "training_state.tmp").replace(out / "training_state.pt")

    def resume(self) -> None:
        state = torch.load(self.args.output / "training_state.pt")
        # strict except for what save() leaves out on purpose (BatchNorm's num_batches_tracked counters): a key
        # missing or left over means the checkpoint is not this model's, and resuming would silently keep the
        # fresh initialisation for those weights
        missing, unexpected = self.model.load_state_dict(torch.load(self.args.output / "pytorch_model.bin"),
                                                         strict=False)
        missing = [k for k in missing if not k.endswith("num_batches_tracked")]
        if missing or unexpected:
            raise SystemExit(f"--resume {self.args.output}: pytorch_model.bin does not match this model (missing "
                             f"{missing[:3]}, unexpected {unexpected[:3]}); resume with the --d-model, --layers and "
                             f"--heads it was trained with")
        if self.cell_head is not None and state.get("cell_head"):
            self.cell_head.load_state_dict(state["cell_head"])
        if self.stem_head is not None and state.get("stem_head"):
            self.stem_head.load_state_dict(state["stem_head"])
        if self.refer_head is not None and state.get("refer_head"):
            self.refer_head.load_state_dict(state["refer_head"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.rng.setstate(state["rng"])
        torch.set_rng_state(state["torch_rng"])
        self.step = state["step"]


def build(args) -> Trainer:
    torch.manual_seed(args.seed)
    corpus = Corpus(args.corpus, args.resolution)
    out: Path = args.output
    out.mkdir(parents=True, exist_ok=True)
    source = out if args.resume and (out / "vocab.json").is_file() else args.init_from
    if source is not None:
        vocab = json.loads((source / "vocab.json").read_text(encoding="utf-8"))
        merges = [tuple(l.split(" ")) for l in (source / "merges.txt").read_text(encoding="utf-8").split("\n")[1:] if l]
        if source != out:
            write_vocabulary(out, vocab, merges)
    else:
        vocab, merges = fit_bpe(corpus.texts() + " yes no maybe", args.merges)
        write_vocabulary(out, vocab, merges)
    text_size = len(vocab)
    tok = BpeTokenizer(vocab, merges, text_size, NUM_CODES, text_size + NUM_CODES, NUM_BINS)
    enc_layers, dec_layers = (int(x) for x in args.layers.split(","))
    cfg = OfaConfig(vocab_size=full_vocab_size(vocab), d_model=args.d_model, encoder_layers=enc_layers,
                    decoder_layers=dec_layers, encoder_attention_heads=args.heads, decoder_attention_heads=args.heads,
                    encoder_ffn_dim=4 * args.d_model, decoder_ffn_dim=4 * args.d_model, resnet_type="resnet50")
    config = hf_config_json(cfg)
    config["image_resolution"] = args.resolution   # what the converter writes into the package for every task
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    model = OfaModel(cfg)
    init_weights(model, args.seed)
    trainer = Trainer(args, corpus, tok, cfg, model)
    if args.resume and (out / "training_state.pt").is_file():
        trainer.resume()
    elif args.init_from is not None:
        # the weights only: a fresh optimizer and schedule, step 0
        missing, unexpected = model.load_state_dict(torch.load(args.init_from / "pytorch_model.bin"), strict=False)
        if unexpected or [k for k in missing if not k.endswith("num_batches_tracked")]:
            raise SystemExit(f"--init-from {args.init_from}: not a checkpoint of this model shape "
                             f"(missing {missing[:3]}, unexpected {unexpected[:3]}); check --d-model and --layers")
    counts = {t: len(v) for t, v in trainer.by_task.items()}
    print(json.dumps({"images": len(corpus.images), "examples": counts, "vocab_text_tokens": text_size,
                      "parameters": sum(p.numel() for p in model.parameters()), "start_step": trainer.step}),
          file=sys.stderr)
    return trainer


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="ofa train", description=__doc__.splitlines()[0])
    p.add_argument("--corpus", required=True, type=Path, help="the corpus job's output folder (with tsv/)")
    p.add_argument("--output", required=True, type=Path, help="checkpoint folder (HF layout)")
    p.add_argument("--steps", type=int, default=4500)
    p.add_argument("--batch", type=int, default=32, help="examples per step")
    p.add_argument("--images-per-batch", type=int, default=8, help="distinct images per step (the rest are "
                   "other prompts on the same images)")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--task-weights", default="", help="how often each task is drawn, e.g. caption=2,qa=2 "
                   f"(defaults: {','.join(f'{k}={v:g}' for k, v in TASK_WEIGHTS.items())})")
    p.add_argument("--warmup", type=int, default=100, help="linear learning-rate warm-up steps")
    p.add_argument("--label-smoothing", type=float, default=0.0)
    p.add_argument("--clip", type=float, default=1.0, help="gradient norm clipping (0: off)")
    p.add_argument("--frozen-batchnorm", action="store_true", help="ResNet BatchNorm uses running statistics")
    p.add_argument("--resolution", type=int, default=96)
    p.add_argument("--d-model", type=int, default=128)
    p.add_argument("--layers", default="3,3", help="encoder,decoder layers")
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--merges", type=int, default=300, help="BPE merges to fit on the corpus texts")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=0, help="torch threads (default: every core)")
    p.add_argument("--log-every", type=int, default=20)
    p.add_argument("--save-every", type=int, default=500)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--stop-at", type=int, default=0, help="stop after this step, saving the checkpoint, as if "
                   "interrupted; the learning-rate schedule still runs to --steps, and --resume continues (default 0: "
                   "run to --steps)")
    p.add_argument("--init-from", type=Path, help="start from this checkpoint's weights and vocabulary (a fresh "
                   "optimizer and schedule)")
    p.add_argument("--aux-weight", type=float, default=0.0, help="weight of the training-only loss that names the "
                   "object under each image token (0: off)")
    p.add_argument("--attn-weight", type=float, default=0.0, help="weight of the training-only loss that sends the "
                   "decoder's cross-attention to the cells of the colour it is about to name (0: off)")
    p.add_argument("--box-edges", action="store_true", help="the cell head also names the edges of each cell's "
                   "object's box (measured: no gain)")
    p.add_argument("--refer-weight", type=float, default=0.0, help="weight of the training-only loss that marks, "
                   "on the encoder's image tokens, the cells of the box the prompt is about (0: off)")
    p.add_argument("--refer-questions", action="store_true", help="the referred-cells head (--refer-weight) also "
                   "marks the objects a question names (\"is there a star?\": the stars; \"what shape is the red "
                   "one?\": the red objects), so that the encoder binds question words to the image as it does "
                   "grounding expressions")
    p.add_argument("--refer-loss", choices=("bce", "softmax"), default="bce", help="the referred-cells loss: bce "
                   "per cell, or softmax: one distribution over the cells, -log of its mass on the box (only reading "
                   "the words lowers it; see referred_cells_loss)")
    p.add_argument("--region-guide", choices=("best-head", "every-head"), default="best-head", help="which "
                   "cross-attention heads the guide sends to a grounding answer's box while it writes the location "
                   "tokens: the best one per layer, or all of them on average (see attention_guide_loss)")
    args = p.parse_args(argv)
    try:
        args.task_weights = parse_task_weights(args.task_weights)
    except ValueError as e:
        p.error(str(e))
    torch.set_num_threads(args.threads or max(1, torch.get_num_threads(), __import__("os").cpu_count() or 1))
    trainer = build(args)
    trainer.train()
    print(json.dumps({"checkpoint": str(args.output), "steps": trainer.step}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
