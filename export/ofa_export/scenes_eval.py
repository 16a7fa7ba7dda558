"""Command line: python -m ofa_export.scenes_eval prepare|summarize ... (driven by scripts/evaluate-scenes.sh)

prepare --scenes DIR --output DIR
    Inputs of the enrich job for the held-out (val) scenes: webdataset shards keyed by ref_id (grounding: the
    expression as the sample's text) and by question_id (VQA: the question), the classification label list, and
    the held-out refs (refs_val.json) as grounding gold.
examples --scenes DIR --output DIR [--count 6]
    Copies held-out scenes (one to four shapes) into DIR/images with DIR/texts.jsonl (a referring expression and a
    question per image, for the enrich job's --text-file) and DIR/labels.txt: the main command's sample data.
    DIR/gold.jsonl says what each example shows (objects with boxes, the text's box, the answer, the label).
summarize --scenes DIR --eval DIR [--json FILE]
    Reads the evaluate job's outputs (metrics.json, predictions.jsonl) and prints the bundled model's figures
    against its goals, including caption coverage: the share of scenes whose caption names every object's colour and
    shape (e.g. "red circle" or "red circles").
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import tarfile
from pathlib import Path
from typing import Dict

from . import scenes

GOALS = {"caption_names_every_object": 0.80, "grounding_acc@0.5": 0.80, "detection_mAP@0.5": 0.60,
         "vqa_accuracy": 0.80, "classification_accuracy": 0.90}


def _member(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0
    tar.addfile(info, io.BytesIO(data))


def _write_labels(out: Path) -> int:
    """The classification candidates, one per line (the enrich job's --labels-file)."""
    labels = scenes.all_labels()
    (out / "labels.txt").write_text("\n".join(labels) + "\n")
    return len(labels)


def prepare(scene_dir: Path, out: Path) -> Dict[str, int]:
    ann = scene_dir / "annotations"
    images = scene_dir / "images" / "val"
    caps = json.loads((ann / "captions_val.json").read_text())
    files = {im["id"]: im["file_name"] for im in caps["images"]}
    out.mkdir(parents=True, exist_ok=True)
    (out / "grounding").mkdir(exist_ok=True)
    (out / "vqa").mkdir(exist_ok=True)
    refs = [r for r in json.loads((ann / "refs.json").read_text()) if r["split"] == "val"]
    (out / "refs_val.json").write_text(json.dumps(refs))   # the grounding gold: held-out refs only
    with tarfile.open(out / "grounding" / "refs-000000.tar", "w") as tar:
        for r in refs:
            _member(tar, f"{r['ref_id']}.png", (images / files[r["image_id"]]).read_bytes())
            _member(tar, f"{r['ref_id']}.txt", r["sentences"][0]["sent"].encode())
    questions = json.loads((ann / "vqa_questions_val.json").read_text())["questions"]
    with tarfile.open(out / "vqa" / "questions-000000.tar", "w") as tar:
        for q in questions:
            _member(tar, f"{q['question_id']}.png", (images / files[q["image_id"]]).read_bytes())
            _member(tar, f"{q['question_id']}.txt", q["question"].encode())
    return {"refs": len(refs), "questions": len(questions), "labels": _write_labels(out)}


def examples(scene_dir: Path, out: Path, count: int) -> Dict[str, int]:
    ann = scene_dir / "annotations"
    caps = json.loads((ann / "captions_val.json").read_text())
    inst = json.loads((ann / "instances_val.json").read_text())
    refs = json.loads((ann / "refs.json").read_text())
    questions = json.loads((ann / "vqa_questions_val.json").read_text())["questions"]
    objects: Dict[int, int] = {}
    for a in inst["annotations"]:
        objects[a["image_id"]] = objects.get(a["image_id"], 0) + 1
    # the first held-out scenes, cycling through one to four shapes
    chosen, want = [], 1
    for im in caps["images"]:
        if len(chosen) == count:
            break
        if objects.get(im["id"]) == want:
            chosen.append(im)
            want = want % 4 + 1
    answers = {a["question_id"]: a["multiple_choice_answer"]
               for a in json.loads((ann / "vqa_annotations_val.json").read_text())["annotations"]}
    labels = {json.loads(l)["key"]: json.loads(l)["label"] for l in (ann / "labels_val.jsonl").read_text().splitlines()}
    names = {c["id"]: c["name"] for c in inst["categories"]}
    (out / "images").mkdir(parents=True, exist_ok=True)
    lines, gold = [], []
    for im in chosen:
        (out / "images" / im["file_name"]).write_bytes((scene_dir / "images" / "val" / im["file_name"]).read_bytes())
        ref = next(r for r in refs if r["image_id"] == im["id"])
        question = [q for q in questions if q["image_id"] == im["id"]][-2]
        lines.append(json.dumps({"file": im["file_name"], "text": ref["sentences"][0]["sent"],
                                 "question": question["question"]}))
        anns = [a for a in inst["annotations"] if a["image_id"] == im["id"]]
        xyxy = {a["id"]: [a["bbox"][0], a["bbox"][1], a["bbox"][0] + a["bbox"][2], a["bbox"][1] + a["bbox"][3]]
                for a in anns}
        gold.append(json.dumps({
            "file": im["file_name"],
            "objects": [{"colour": a["color"], "shape": names[a["category_id"]], "box": xyxy[a["id"]]} for a in anns],
            "text": ref["sentences"][0]["sent"], "text_box": xyxy[ref["ann_id"]],
            "question": question["question"], "answer": answers[question["question_id"]],
            "label": labels[im["file_name"]]}))
    (out / "texts.jsonl").write_text("\n".join(lines) + "\n")
    # what each example shows, for a reader and for the test that checks the bundled model's answers
    (out / "gold.jsonl").write_text("\n".join(gold) + "\n")
    _write_labels(out)
    return {"images": len(chosen)}


def names_every_object(caption: str, objects) -> bool:
    words = caption.lower().replace(",", " ").split()
    text = " " + " ".join(words) + " "
    return all(f" {colour} {shape} " in text or f" {colour} {shape}s " in text for colour, shape in objects)


def summarize(scene_dir: Path, eval_dir: Path) -> Dict[str, float]:
    ann = scene_dir / "annotations"
    inst = json.loads((ann / "instances_val.json").read_text())
    names = {c["id"]: c["name"] for c in inst["categories"]}
    files = {im["id"]: im["file_name"] for im in inst["images"]}
    objects: Dict[str, set] = {}
    for a in inst["annotations"]:
        objects.setdefault(files[a["image_id"]], set()).add((a["color"], names[a["category_id"]]))
    captions = {}
    for line in (eval_dir / "caption" / "predictions.jsonl").read_text().splitlines():
        p = json.loads(line)
        captions[p["key"].rsplit("/", 1)[-1]] = p.get("text") or ""
    named = sum(names_every_object(captions.get(f, ""), objs) for f, objs in objects.items())

    def metric(task: str, name: str) -> float:
        return float(json.loads((eval_dir / task / "metrics.json").read_text())[name])

    return {"caption_names_every_object": named / len(objects),
            "caption_CIDEr-D": metric("caption", "CIDEr-D"),
            "grounding_acc@0.5": metric("ground", "Acc@0.5"),
            "detection_mAP@0.5": metric("detect", "mAP@.5"),
            "vqa_accuracy": metric("vqa", "accuracy"),
            "classification_accuracy": metric("classify", "accuracy")}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="scenes_eval", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("prepare")
    a.add_argument("--scenes", required=True, type=Path)
    a.add_argument("--output", required=True, type=Path)
    c = sub.add_parser("examples")
    c.add_argument("--scenes", required=True, type=Path)
    c.add_argument("--output", required=True, type=Path)
    c.add_argument("--count", type=int, default=6)
    b = sub.add_parser("summarize")
    b.add_argument("--scenes", required=True, type=Path)
    b.add_argument("--eval", required=True, type=Path)
    b.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    if args.cmd == "prepare":
        print(json.dumps(prepare(args.scenes, args.output)))
        return 0
    if args.cmd == "examples":
        print(json.dumps(examples(args.scenes, args.output, args.count)))
        return 0
    figures = summarize(args.scenes, args.eval)
    print(f"{'figure':32} {'value':>8} {'goal':>8}")
    for k, v in figures.items():
        goal = GOALS.get(k)
        mark = "" if goal is None else ("  met" if v >= goal else "  NOT met")
        print(f"{k:32} {v:8.3f} {'' if goal is None else f'>= {goal:.2f}':>8}{mark}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
