"""The synthetic scenes (formats, boxes on the drawn pixels, determinism) and a training smoke test: a few steps on
a corpus in OFA's TSV format lower the loss, resume continues, and the checkpoint converts into a package."""
from __future__ import annotations

import base64
import json
import subprocess
import unittest
from pathlib import Path

import numpy as np
from PIL import Image

import tarfile

from ofa_export import scenes, scenes_eval, train
from ofa_export.export import convert

from .helpers import TempDirTestCase, read_json

REPO = Path(__file__).resolve().parents[2]


def write_corpus_tsv(scene_dir: Path, out: Path) -> None:
    """The scenes' training split as the corpus job writes it (OfaTsv's columns), without Spark."""
    ann = scene_dir / "annotations"
    caps = read_json(ann / "captions_train.json")
    inst = read_json(ann / "instances_train.json")
    refs = read_json(ann / "refs.json")
    qs = {q["question_id"]: q for q in read_json(ann / "vqa_questions_train.json")["questions"]}
    files = {im["id"]: im["file_name"] for im in caps["images"]}
    b64 = {i: base64.b64encode((scene_dir / "images" / "train" / f).read_bytes()).decode() for i, f in files.items()}
    boxes = {a["id"]: a for a in inst["annotations"]}
    names = {c["id"]: c["name"] for c in inst["categories"]}
    vl, det = [], []
    for a in caps["annotations"]:
        vl.append(f"c:{a['id']}\t{b64[a['image_id']]}\t{a['caption']}\t\t\t\tscenes\tcaption")
    for r in refs:
        if r["split"] != "train":
            continue
        x, y, w, h = boxes[r["ann_id"]]["bbox"]
        vl.append(f"r:{r['ref_id']}\t{b64[r['image_id']]}\t{r['sentences'][0]['sent']}\t\t"
                  f"{x:.2f},{y:.2f},{x + w:.2f},{y + h:.2f}\t\tscenes\tvisual_grounding")
    for a in read_json(ann / "vqa_annotations_train.json")["annotations"]:
        q = qs[a["question_id"]]
        vl.append(f"q:{a['question_id']}\t{b64[q['image_id']]}\t\t{q['question']}\t1.0|!+"
                  f"{a['multiple_choice_answer']}\t\tscenes\tqa")
    by_image = {}
    for a in inst["annotations"]:
        x, y, w, h = a["bbox"]
        by_image.setdefault(a["image_id"], []).append(
            f"{x:.2f},{y:.2f},{x + w:.2f},{y + h:.2f},{a['category_id']},{names[a['category_id']]}")
    for image_id, objs in by_image.items():
        det.append(f"d:{image_id}\t{b64[image_id]}\t{'&&'.join(objs)}")
    for kind, lines in (("vision_language", vl), ("detection", det)):
        (out / "tsv" / kind).mkdir(parents=True, exist_ok=True)
        (out / "tsv" / kind / "part-00000.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


class ScenesTest(TempDirTestCase):
    def test_annotations_in_the_public_formats_and_boxes_on_the_drawn_shapes(self) -> None:
        counts = scenes.write(self.tmp / "s", train=12, val=4, seed=5, leak_copies=2)
        self.assertEqual(14, counts["train_images"])
        ann = self.tmp / "s" / "annotations"
        caps = read_json(ann / "captions_train.json")
        inst = read_json(ann / "instances_train.json")
        self.assertEqual({"circle", "square", "triangle", "star"}, {c["name"] for c in inst["categories"]})
        files = {im["id"]: im["file_name"] for im in caps["images"]}
        checked = 0
        for a in inst["annotations"]:
            x, y, w, h = (int(v) for v in a["bbox"])
            others = [b["bbox"] for b in inst["annotations"] if b["image_id"] == a["image_id"] and b is not a]
            if any(bx < x + w + 2 and x < bx + bw + 2 and by < y + h + 2 and y < by + bh + 2
                   for bx, by, bw, bh in others):
                continue   # overlapping shapes hide each other's edges
            img = np.asarray(Image.open(self.tmp / "s" / "images" / "train" / files[a["image_id"]]).convert("RGB"),
                             dtype=np.int32)
            close = np.abs(img - np.array(scenes.COLOURS[a["color"]])).max(axis=2) <= 14   # the drawing's jitter
            inside = close[y:y + h, x:x + w]
            # the shape's colour touches every side of its box, and none of it lies in a 1-pixel ring around it
            self.assertTrue(inside[0].any() and inside[-1].any() and inside[:, 0].any() and inside[:, -1].any(),
                            f"annotation {a['id']} box {a['bbox']}")
            ring = close[max(0, y - 1):y + h + 1, max(0, x - 1):x + w + 1].sum() - inside.sum()
            self.assertEqual(0, ring, f"annotation {a['id']} box {a['bbox']}")
            checked += 1
        self.assertGreater(checked, 10)
        refs = read_json(ann / "refs.json")
        self.assertTrue(all(r["sentences"][0]["sent"].startswith("the ") for r in refs))
        vqa = read_json(ann / "vqa_annotations_train.json")["annotations"]
        self.assertTrue(all(len(a["answers"]) == 10 for a in vqa))
        questions = read_json(ann / "vqa_questions_train.json")["questions"]
        self.assertEqual({a["question_id"] for a in vqa}, {q["question_id"] for q in questions})
        # the leaked copies have the pixels of validation scenes under new ids
        val = read_json(ann / "captions_val.json")
        leaked = [im for im in caps["images"] if im["id"] > scenes.LEAK_ID_BASE]
        self.assertEqual(2, len(leaked))
        first_val = self.tmp / "s" / "images" / "val" / val["images"][0]["file_name"]
        copy = self.tmp / "s" / "images" / "train" / leaked[0]["file_name"]
        self.assertNotEqual(first_val.read_bytes(), copy.read_bytes())
        self.assertTrue(np.array_equal(np.asarray(Image.open(first_val).convert("RGB")),
                                       np.asarray(Image.open(copy).convert("RGB"))))
        labels = [json.loads(line) for line in (ann / "labels_val.jsonl").read_text().splitlines()]
        self.assertEqual(4, len(labels))
        karpathy = read_json(ann / "dataset_scenes.json")["images"]
        self.assertEqual(4, sum(im["split"] == "val" for im in karpathy))

    def test_same_seed_same_files(self) -> None:
        scenes.write(self.tmp / "a", train=5, val=2, seed=9, leak_copies=0)
        scenes.write(self.tmp / "b", train=5, val=2, seed=9, leak_copies=0)
        for f in sorted((self.tmp / "a").rglob("*")):
            if f.is_file():
                self.assertEqual(f.read_bytes(), (self.tmp / "b" / f.relative_to(self.tmp / "a")).read_bytes(), f)

    def test_captions_group_and_order_objects(self) -> None:
        s = [scenes.Shape("circle", "red", 50, 50, 40), scenes.Shape("star", "orange", 150, 50, 20),
             scenes.Shape("circle", "red", 150, 150, 15)]
        self.assertEqual("two red circles and an orange star", scenes.caption(s))
        self.assertEqual("the large red circle", scenes.expression(s, 0))
        self.assertEqual("the small red circle", scenes.expression(s, 2))
        self.assertEqual("the orange star", scenes.expression(s, 1))


class ScenesEvaluationInputsTest(TempDirTestCase):
    def test_enrich_inputs_keyed_by_ref_and_question_and_the_caption_check(self) -> None:
        scenes.write(self.tmp / "s", train=2, val=6, seed=4, leak_copies=0)
        counts = scenes_eval.prepare(self.tmp / "s", self.tmp / "in")
        refs = read_json(self.tmp / "in" / "refs_val.json")
        self.assertEqual(counts["refs"], len(refs))
        self.assertTrue(all(r["split"] == "val" for r in refs))
        with tarfile.open(self.tmp / "in" / "grounding" / "refs-000000.tar") as tar:
            names = tar.getnames()
            first = tar.extractfile(f"{refs[0]['ref_id']}.txt").read().decode()
        self.assertEqual(2 * len(refs), len(names))
        self.assertEqual(refs[0]["sentences"][0]["sent"], first)
        self.assertEqual(24, len((self.tmp / "in" / "labels.txt").read_text().split("\n")) - 1)
        made = scenes_eval.examples(self.tmp / "s", self.tmp / "ex", 3)
        lines = [json.loads(x) for x in (self.tmp / "ex" / "texts.jsonl").read_text().splitlines()]
        self.assertEqual(made["images"], len(lines))
        for line in lines:
            self.assertTrue((self.tmp / "ex" / "images" / line["file"]).is_file())
            self.assertTrue(line["text"].startswith("the ") and line["question"].endswith("?"), line)
        gold = [json.loads(x) for x in (self.tmp / "ex" / "gold.jsonl").read_text().splitlines()]
        self.assertEqual([l["file"] for l in lines], [g["file"] for g in gold])
        for line, g in zip(lines, gold):
            self.assertEqual((line["text"], line["question"]), (g["text"], g["question"]))
            self.assertIn(g["text_box"], [o["box"] for o in g["objects"]])
            largest = max(g["objects"], key=lambda o: (o["box"][2] - o["box"][0]) * (o["box"][3] - o["box"][1]))
            self.assertTrue(g["label"].endswith(f"{largest['colour']} {largest['shape']}"), g)
        self.assertEqual([i % 4 + 1 for i in range(len(gold))], [len(g["objects"]) for g in gold], "1-4 shapes in turn")
        objs = {("red", "circle"), ("orange", "star")}
        self.assertTrue(scenes_eval.names_every_object("a red circle, two orange stars", objs))
        self.assertFalse(scenes_eval.names_every_object("a red circle and a blue star", objs))
        self.assertFalse(scenes_eval.names_every_object("a red circles", {("red", "circle"), ("red", "square")}))


class TaskWeightsTest(unittest.TestCase):
    def test_named_weights_replace_the_defaults_and_bad_ones_name_the_entry(self):
        w = train.parse_task_weights("caption=2, qa=1.5")
        self.assertEqual((2.0, 1.5), (w["caption"], w["qa"]))
        self.assertEqual(train.TASK_WEIGHTS["detection"], w["detection"])
        self.assertEqual(train.TASK_WEIGHTS, train.parse_task_weights(""))
        for bad, says in [("captions=2", "'captions=2'"), ("qa=-1", "'-1' for qa"), ("qa=x", "'x' for qa"),
                          ("qa", "'qa'"), ("caption=0,qa=0,itm=0,grounding=0,region_caption=0,detection=0",
                                           "every task")]:
            with self.assertRaises(ValueError) as e:
                train.parse_task_weights(bad)
            self.assertIn(says, str(e.exception))


class TrainingSmokeTest(TempDirTestCase):
    def test_loss_goes_down_resume_continues_and_the_checkpoint_converts(self) -> None:
        scenes.write(self.tmp / "s", train=24, val=2, seed=2, leak_copies=0)
        write_corpus_tsv(self.tmp / "s", self.tmp / "corpus")
        ckpt = self.tmp / "ckpt"
        common = ["--corpus", str(self.tmp / "corpus"), "--output", str(ckpt), "--batch", "16",
                  "--images-per-batch", "4", "--resolution", "64", "--d-model", "32", "--layers", "1,1",
                  "--heads", "2", "--merges", "60", "--lr", "3e-3", "--log-every", "5", "--save-every", "20",
                  "--label-smoothing", "0"]
        self.assertEqual(0, train.main(common + ["--steps", "20"]))
        self.assertEqual(0, train.main(common + ["--steps", "40", "--resume"]))
        rows = [line.split("\t") for line in (ckpt / "loss_log.tsv").read_text().splitlines()]
        header, data = rows[0], rows[1:]
        steps = [int(r[0]) for r in data]
        self.assertEqual(list(range(5, 45, 5)), steps, "one log line every 5 steps, resumed at 20 without a gap")
        loss = [float(r[header.index("loss")]) for r in data]
        self.assertLess(sum(loss[-2:]) / 2, 0.85 * sum(loss[:2]) / 2, f"loss {loss}")
        config = read_json(ckpt / "config.json")
        self.assertEqual(64, config["image_resolution"])
        manifest = convert(ckpt, self.tmp / "pkg")
        self.assertEqual({64}, set(manifest["image"]["resolution"].values()))
        self.assertTrue((self.tmp / "pkg" / "decoder.onnx").is_file())

        # the word probe scores every expression on images with two objects or more, both ways
        from ofa_export import probe
        refs = read_json(self.tmp / "s" / "annotations" / "refs.json")
        per_image = {}
        for r in refs:
            if r["split"] == "train":
                per_image[r["image_id"]] = per_image.get(r["image_id"], 0) + 1
        sensitivity = probe.word_sensitivity(ckpt, self.tmp / "s", "train", limit=12)
        self.assertEqual(min(12, sum(n for n in per_image.values() if n >= 2)), sensitivity["refs"])
        for key in ("own_expression", "other_expression"):
            self.assertEqual(4, len(sensitivity[key]))
            self.assertTrue(all(-30 < v < 0 for v in sensitivity[key]), f"{key}: {sensitivity}")
        self.assertAlmostEqual(sum(sensitivity["own_expression"]) - sum(sensitivity["other_expression"]),
                               sensitivity["gap"], places=3)

        # the copy kept for committing: fp16 weights with the tied embedding stored once, and it still converts
        import torch
        kept = self.tmp / "kept"
        subprocess.run(["bash", str(REPO / "scripts" / "keep-checkpoint.sh"), str(ckpt), str(kept)], check=True,
                       capture_output=True)
        full, half = torch.load(ckpt / "pytorch_model.bin"), torch.load(kept / "pytorch_model.bin")
        self.assertEqual(set(full), set(half))
        self.assertEqual({torch.float16}, {v.dtype for v in half.values() if v.is_floating_point()})
        self.assertLess((kept / "pytorch_model.bin").stat().st_size, 0.6 * (ckpt / "pytorch_model.bin").stat().st_size)
        self.assertEqual((ckpt / "vocab.json").read_text(), (kept / "vocab.json").read_text())
        convert(kept, self.tmp / "kept-pkg")

        # a second run starts from the kept weights with the cell head on: its loss falls, and the head stays out of
        # the checkpoint (same keys as the model's, so it converts as before)
        aux = self.tmp / "aux"
        options = dict(zip(common[::2], common[1::2])) | {"--output": str(aux)}
        args = [x for kv in options.items() for x in kv]
        self.assertEqual(0, train.main(args + ["--init-from", str(kept), "--aux-weight", "1", "--attn-weight", "1",
                                               "--refer-weight", "1", "--box-edges", "--refer-loss", "softmax",
                                               "--region-guide", "every-head", "--refer-questions",
                                               "--steps", "30"]))
        rows = [line.split("\t") for line in (aux / "loss_log.tsv").read_text().splitlines()]
        cells = [float(r[rows[0].index("cells")]) for r in rows[1:]]
        self.assertEqual(6, len(cells))
        self.assertLess(cells[-1], 0.7 * cells[0], f"cell loss {cells}")
        guide = [float(r[rows[0].index("attention")]) for r in rows[1:]]
        self.assertTrue(all(0 < g < 20 for g in guide), f"attention guide loss logged every time: {guide}")
        referred = [float(r[rows[0].index("referred")]) for r in rows[1:]]
        self.assertLess(referred[-1], referred[0], f"referred-cells loss {referred}")
        self.assertLess(float(rows[1][rows[0].index("loss")]), loss[0], "started from the trained weights")
        self.assertEqual(set(torch.load(ckpt / "pytorch_model.bin")), set(torch.load(aux / "pytorch_model.bin")))
        self.assertEqual((ckpt / "vocab.json").read_text(), (aux / "vocab.json").read_text())


class CorpusObjectsTest(TempDirTestCase):
    def test_objects_take_their_colour_from_the_referring_expressions_and_detection_names_the_category(self):
        from collections import Counter
        scenes.write(self.tmp / "s", train=12, val=1, seed=5, leak_copies=0)
        write_corpus_tsv(self.tmp / "s", self.tmp / "corpus")
        corpus = train.Corpus(self.tmp / "corpus", 64)
        inst = read_json(self.tmp / "s" / "annotations" / "instances_train.json")
        names = {c["id"]: c["name"] for c in inst["categories"]}
        refs = {r["ann_id"] for r in read_json(self.tmp / "s" / "annotations" / "refs.json")
                if r["split"] == "train" and any(s["sent"] for s in r["sentences"])}
        want = Counter(f"{a['color']} {names[a['category_id']]}" if a["id"] in refs else names[a["category_id"]]
                       for a in inst["annotations"])
        got = Counter(name for objs in corpus.objects.values() for _, name in objs)
        self.assertEqual(want, got)
        self.assertGreater(sum(" " in n for n in got.elements()), 0.9 * sum(got.values()), "most have a colour")
        detection = [r[3] for r in corpus.rows if r[0] == "detection"]
        self.assertEqual(12, len(detection))
        for target in detection:
            self.assertFalse(set(target.split()) & set(scenes.COLOURS), target)
        self.assertEqual((1.0, 2.5, 3.0, 4.0), train.box_key(["1", "2.50", " 3.000", "4"]))
        # every grounding row keeps its box (resized pixels), the one its location tokens write, and every region
        # caption row the box its prompt gives
        grounding = [i for i, r in enumerate(corpus.rows) if r[0] == "grounding"]
        region_caption = [i for i, r in enumerate(corpus.rows) if r[0] == "region_caption"]
        self.assertGreater(len(grounding), 0)
        self.assertEqual(sorted(grounding + region_caption), sorted(corpus.regions))
        for i in grounding:
            box = corpus.regions[i]
            want = train.bin_tokens(box, 64, 64, 64)
            self.assertEqual("".join(want), corpus.rows[i][3])
        for i in region_caption:
            want = "".join(train.bin_tokens(corpus.regions[i], 64, 64, 64))
            self.assertTrue(corpus.rows[i][2].endswith(want), corpus.rows[i][2])
        # a question about a shape or a colour keeps the boxes of the objects it names, where the scene has any
        asked = {i: corpus.rows[i] for i in corpus.question_regions}
        self.assertTrue(asked)
        self.assertTrue(all(r[0] == "qa" and not r[2].startswith(" how many") for r in asked.values()))
        presence = [i for i, r in enumerate(corpus.rows) if r[0] == "qa" and r[2].startswith(" is there")]
        self.assertEqual({i for i in presence if corpus.rows[i][3] == " yes"},
                         {i for i in presence if i in corpus.question_regions}, "a box exactly when the answer is yes")
        for i, r in asked.items():
            names = [n for _, n in corpus.objects[r[1]]]
            self.assertLessEqual(len(corpus.question_regions[i]), len(names))
            for box in corpus.question_regions[i]:
                self.assertIn(box, [b for b, _ in corpus.objects[r[1]]])

    def test_a_question_is_about_the_objects_of_the_shape_or_colour_it_names(self):
        objects = [([0, 0, 10, 10], "red circle"), ([20, 20, 30, 30], "blue star"), ([40, 40, 50, 50], "red star"),
                   ([60, 60, 70, 70], "square")]
        self.assertEqual([[20, 20, 30, 30], [40, 40, 50, 50]], train.question_boxes(" is there a star?", objects))
        self.assertEqual([[0, 0, 10, 10]], train.question_boxes(" what color is the circle?", objects))
        self.assertEqual([[0, 0, 10, 10], [40, 40, 50, 50]],
                         train.question_boxes(" what shape is the red one?", objects))
        self.assertEqual([[60, 60, 70, 70]], train.question_boxes("is there a square?", objects), "no colour known")
        self.assertEqual([], train.question_boxes(" is there a triangle?", objects), "absent: nothing to mark")
        self.assertEqual([], train.question_boxes(" how many shapes are there?", objects))
        self.assertEqual([], train.question_boxes(" what shape is the green one?", objects))


class CellTargetsTest(unittest.TestCase):
    def test_each_cell_names_the_smallest_box_over_its_centre_and_its_place_in_the_size_order(self):
        labels = {"red circle": 1, "blue star": 2}
        # 4x4 grid over 64 px: cell centres at 8, 24, 40, 56; objects largest first
        objects = [([0, 0, 48, 48], "red circle"), ([20, 20, 30, 30], "blue star"), ([50, 50, 60, 60], "red circle")]
        names, ranks = train.cell_targets(objects, labels, 64, 4)
        self.assertEqual([1, 1, 1, 0,
                          1, 2, 1, 0,
                          1, 1, 1, 0,
                          0, 0, 0, 1], names)
        self.assertEqual([1, 1, 1, 0,
                          1, 2, 1, 0,
                          1, 1, 1, 0,
                          0, 0, 0, 3], ranks)
        self.assertEqual(([0] * 16, [0] * 16), train.cell_targets([], labels, 64, 4))

    def test_the_table_keeps_every_label_and_caps_only_the_places(self):
        # ten small boxes, largest first, each on one cell centre of the 4x4 grid over 64 px
        centres = [((k % 4) * 16 + 8, (k // 4) * 16 + 8) for k in range(10)]
        objects = {0: [([x - 3 + k / 10, y - 3, x + 3, y + 3], f"label {k}") for k, (x, y) in enumerate(centres)]}
        table, names, ranks, grid = train.cell_label_table(objects, 2, 64)
        self.assertEqual((sorted(f"label {k}" for k in range(10)), 8, 4), (names, ranks, grid))
        self.assertEqual((2, 6, 16), tuple(table.shape))
        self.assertEqual(list(range(1, 11)) + [0] * 6, table[0, 0].tolist(), "labels above 8 are kept")
        self.assertEqual(list(range(1, 9)) + [8, 8] + [0] * 6, table[0, 1].tolist(), "places stop at 8")
        # each object cell carries its own object's box edges in 4 px steps (16 over 64 px), places above 8 too
        self.assertEqual(16, train.coordinate_classes(grid))
        self.assertEqual([1, 1, 2, 2], table[0, 2:, 0].tolist(), "box [5, 5, 11, 11]")
        self.assertEqual([5, 5, 6, 6], table[0, 2:, 5].tolist(), "box [21.5, 21, 27, 27]")
        self.assertEqual([5, 9, 6, 10], table[0, 2:, 9].tolist(), "box [21.9, 37, 27, 43], the 10th object")
        self.assertEqual([-100] * 4, table[0, 2:, 12].tolist(), "background has no box")
        self.assertEqual([-100] * 96, table[1].flatten().tolist(), "an image without a detection row is ignored")


class AttentionGuideTest(unittest.TestCase):
    def test_cells_take_their_objects_colour_token(self):
        import torch
        cells = torch.tensor([[[0, 1, 2, 3], [0, 1, 1, 2]], [[-100] * 4, [-100] * 4]])
        label_colour = torch.tensor([-1, 40, -1, 41])   # label 2 has no colour
        self.assertEqual([[-1, 40, -1, 41], [-1, -1, -1, -1]], train.cell_values(cells, label_colour).tolist())

    def test_a_word_is_known_by_a_first_piece_no_other_word_of_its_kind_shares(self):
        class Pieces:   # " red" -> [bos, 7, ...]; "blue" and "blush" start with the same piece
            ids = {" red": [0, 7, 2], " blue": [0, 9, 10, 2], " blush": [0, 9, 11, 2], " star": [0, 12, 2]}

            def encode(self, text):
                return self.ids[text]
        self.assertEqual({"red": 7, "star": 12}, train.first_pieces(Pieces(), ["red", "blue", "blush", "star"]))

    def test_the_loss_is_minus_log_of_the_best_heads_mass_on_the_named_colour(self):
        import math
        import torch
        labels = torch.tensor([[40, 5, -100, 41]])            # colour 40, a word, padding, colour 41 (no cell)
        cell_colours = torch.tensor([[40, 40, -1, 42]])       # 4 image cells; the 5th key is a text token
        targets = train.word_targets(labels, cell_colours)
        self.assertEqual([[[True, True, False, False], [False] * 4, [False] * 4, [False] * 4]], targets.tolist())
        w = torch.full((1, 2, 4, 5), 0.2)
        w[0, 1, 0] = torch.tensor([0.9, 0.0, 0.0, 0.0, 0.1])  # head 1 looks at a cell of colour 40
        w2 = torch.full((1, 2, 4, 5), 0.2)                    # a second layer: both heads uniform, 0.4 on those cells
        loss = train.attention_guide_loss([w, w2], targets)
        self.assertAlmostEqual((-math.log(0.9) - math.log(0.4)) / 2, loss.item(), places=5)
        self.assertIsNone(train.attention_guide_loss(
            [w], train.word_targets(torch.tensor([[5, 6, -100, 7]]), cell_colours)))
        self.assertIsNone(train.attention_guide_loss(
            [w], train.word_targets(torch.tensor([[-1, 6, -100, 7]]), cell_colours)),
            "a -1 label (none) never matches a background cell")

    def test_location_tokens_of_a_grounding_answer_look_at_its_box(self):
        import math
        import torch
        first_bin = 100
        labels = torch.tensor([[101, 150, 140, 190, 2], [101, 150, 140, 190, 2]])   # 4 bins and eos, twice
        regions = torch.tensor([[False, True, True, False], [False] * 4])            # only the first has a region
        targets = train.region_targets(labels, regions, first_bin)
        self.assertEqual([[False, True, True, False]] * 4 + [[False] * 4], targets[0].tolist(), "eos has none")
        self.assertFalse(bool(targets[1].any()), "an example without a region (detection, captions) has none")
        w = torch.zeros((2, 1, 5, 6))
        w[0, 0, :, 1] = 0.5                                  # half of every step's mass on cell 1, the rest on text
        w[0, 0, :, 5] = 0.5
        self.assertAlmostEqual(-math.log(0.5), train.attention_guide_loss([w], targets).item(), places=5)

    def test_the_referred_cells_loss_counts_only_examples_with_a_region(self):
        import math
        import torch
        regions = torch.tensor([[True, False, False], [False, False, False]])   # the second has no region
        logits = torch.tensor([[0.0, 0.0, 0.0], [50.0, 50.0, 50.0]])           # the second would cost a lot
        self.assertAlmostEqual(math.log(2), train.referred_cells_loss(logits, regions).item(), places=5)
        sure = torch.tensor([[20.0, -20.0, -20.0], [0.0, 0.0, 0.0]])
        self.assertLess(train.referred_cells_loss(sure, regions).item(), 1e-6)
        wrong = torch.tensor([[-20.0, 20.0, -20.0], [0.0, 0.0, 0.0]])
        self.assertGreater(train.referred_cells_loss(wrong, regions).item(), 10)
        self.assertIsNone(train.referred_cells_loss(logits, torch.zeros((2, 3), dtype=torch.bool)))

    def test_the_softmax_referred_loss_charges_marking_every_object_alike(self):
        import math
        import torch
        regions = torch.tensor([[True, False, False, False], [False] * 4])      # cell 0 referred; cell 1 the other
        blind = torch.tensor([[5.0, 5.0, -20.0, -20.0], [9.0, 0.0, 0.0, 0.0]])  # both objects marked alike
        self.assertAlmostEqual(math.log(2), train.referred_cells_loss(blind, regions, "softmax").item(), places=4)
        bound = torch.tensor([[5.0, -20.0, -20.0, -20.0], [0.0] * 4])
        self.assertLess(train.referred_cells_loss(bound, regions, "softmax").item(), 1e-6)
        two_cells = torch.tensor([[True, True, False, False]])
        self.assertAlmostEqual(0.0, train.referred_cells_loss(torch.tensor([[3.0, 3.0, -30.0, -30.0]]), two_cells,
                                                              "softmax").item(), places=5)
        self.assertIsNone(train.referred_cells_loss(blind, torch.zeros((2, 4), dtype=torch.bool), "softmax"))

    def test_every_head_guide_charges_heads_that_look_at_another_object(self):
        import math
        import torch
        targets = torch.tensor([[[True, False], [False, False]]])   # step 0 must look at cell 0; step 1 has none
        w = torch.zeros((1, 2, 2, 3))
        w[0, 0, :, 0] = 1.0                                          # head 0 on the box
        w[0, 1, :, 1] = 1.0                                          # head 1 on another object
        self.assertAlmostEqual(0.0, train.attention_guide_loss([w], targets).item(), places=5)
        every = torch.tensor([[True, False]])
        self.assertAlmostEqual(-math.log(0.5), train.attention_guide_loss([w], targets, every).item(), places=5)

    def test_a_box_owns_the_cells_whose_centres_it_holds_or_the_cell_under_its_centre(self):
        # 4x4 grid over 64 px: cell centres at 8, 24, 40, 56
        cells = train.box_cells([0, 0, 30, 10], 64, 4)
        self.assertEqual([True, True, False, False] + [False] * 12, cells)
        tiny = train.box_cells([42, 44, 46, 47], 64, 4)       # holds no centre; its own centre (44, 45.5) is cell 10
        self.assertEqual([k == 10 for k in range(16)], tiny)


if __name__ == "__main__":
    unittest.main()
