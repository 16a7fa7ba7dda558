#!/usr/bin/env python3
"""Regenerates the bundled test package ``models/ofa-tiny-random`` and its PyTorch goldens.

    /usr/bin/python3 models/make_ofa_tiny_random.py            # rewrites both; the result is byte-identical

The model is OFA-tiny's architecture shrunk (d_model 64, 4 heads, 2+2 layers, ResNet-50 stages 1-3) with every
parameter random (seed 20261127), and a 300-merge byte-level BPE vocabulary fitted on OFA's prompts and a few
captions, plus the full 8192 code and 1000 bin ranges. Its answers are nonsense; it exists so that tests and the
README's first command run anywhere. ``ofa-tiny-random.goldens.json`` holds, for each task prompt of OFA.md on the
reference fixture's two photos: the prompt ids, the greedy ids and log-probs (bins only for grounding), and
teacher-forced log-probs of target texts; and under ``image_codes`` the first greedy image codes of text-to-image
(text-only encoder, 32 x 32 code grid) and of image infilling (the 256 px image with its middle 128 x 128 set to 0,
16 x 16 grid), decoded as the reference does (logits outside bos/pad/eos/unk and the code range masked, log-softmax,
then bos/pad/eos/unk banned), with each step's top-1/top-2 log-prob margin and its 8 best codes.
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "export"))

import torch  # noqa: E402

from ofa_export.bpe import BpeTokenizer  # noqa: E402
from ofa_export.export import TASK_RESOLUTION, convert  # noqa: E402
from ofa_export.preprocess import preprocess_image  # noqa: E402
from ofa_export.testing import fit_bpe, full_vocab_size, small_config, write_checkpoint  # noqa: E402

NAME = "ofa-tiny-random"
SEED = 20261127
CORPUS = (" what does the image describe? which region does the text describe? what does the region describe?"
          " region: what are the objects in the image? does the image describe? can image and text1 imply text2?"
          " what is the complete text of? how many people are there? what color is the shape? is there a dog?"
          " a man riding a horse on the beach. two dogs playing in the snow. a woman in a white suit."
          " the person on the left. the red circle. the small blue square on the right. a cat sitting on a sofa."
          " an astronaut standing in front of a flag. a photo of stars and galaxies in space. yes no maybe")
IMAGES = {"astronaut": "astronaut.png", "hubble": "hubble_deep_field.jpg"}

# (task, prompt, decoding, teacher-forced targets); prompts exactly as OFA.md, leading space included
CASES = [
    ("caption", " what does the image describe?", "free", [" a woman in a white suit", " two dogs"]),
    ("grounding", ' which region does the text " the person on the left " describe?', "bins",
     ["<bin_50><bin_120><bin_700><bin_880>"]),
    ("region_caption", " what does the region describe? region: <bin_100><bin_200><bin_600><bin_700>", "free",
     [" a flag"]),
    ("vqa", " how many people are there?", "free", [" 1", " 2", " two"]),
    ("entailment", ' does the image describe " an astronaut standing in front of a flag "?', "free",
     [" yes", " no", " maybe"]),
    ("itm", ' does the image describe " a cat sitting on a sofa "?', "free", [" yes", " no"]),
    ("classification", " what does the image describe?", "free", [" astronaut", " galaxy", " dog"]),
    ("detection", " what are the objects in the image?", "free", ["<bin_10><bin_20><bin_300><bin_400> person"]),
    ("infill", ' what is the complete text of " a man riding <mask> on the beach "?', "free", [" a horse"]),
]
STEPS = 12


@torch.no_grad()
def goldens(model, tok: BpeTokenizer, image_dir: Path, manifest: dict) -> dict:
    vocab = manifest["vocabulary"]
    bin_lo, bin_hi = vocab["bin_first_id"], vocab["bin_first_id"] + vocab["num_bins"]
    eos = manifest["special_ids"]["eos"]
    out = []
    for image_name, file in IMAGES.items():
        for task, prompt, mode, targets in CASES:
            size = manifest["image"]["resolution"].get(task, TASK_RESOLUTION["caption"])
            img = preprocess_image(image_dir / file, size)
            ids = tok.encode(prompt)
            enc = model.encoder(img, torch.tensor([ids]))
            cross = model.decoder.cross_kv(enc.states, enc.position)
            past, token, greedy, logprobs = model.empty_past(1), manifest["special_ids"]["bos"], [], []
            for _ in range(4 if mode == "bins" else STEPS):
                logits, past = model.step(torch.tensor([[token]]), past, cross, enc.padding_mask)
                logits = logits[0, -1]
                if mode == "bins":
                    restricted = torch.full_like(logits, float("-inf"))
                    restricted[bin_lo:bin_hi] = logits[bin_lo:bin_hi]
                    logits = restricted
                lp = torch.log_softmax(logits, -1)
                token = int(lp.argmax())
                greedy.append(token)
                logprobs.append(float(lp[token]))
                if token == eos:
                    break
            forced = []
            for target in targets:
                target_ids = tok.encode(target)[1:]          # pieces + eos
                dec = [manifest["special_ids"]["bos"]] + target_ids[:-1]
                lp = model.log_probs(img, torch.tensor([ids]), torch.tensor([dec]))[0]
                per = [float(lp[t, x]) for t, x in enumerate(target_ids)]
                forced.append({"target": target, "target_ids": target_ids, "logprobs": per, "sum": sum(per)})
            out.append({"image": image_name, "file": file, "task": task, "size": size, "prompt": prompt,
                        "input_ids": ids, "mode": mode, "greedy_ids": greedy, "greedy_logprobs": logprobs,
                        "teacher_forced": forced})
    return {"model": NAME, "image_dir": "testdata/ofa-reference/images", "cases": out}


GENERATION_CAPTIONS = ["a red circle on the left", "two dogs playing in the snow"]
CODE_STEPS = 24
TOP_CODES = 8   # per step, the best codes and their log-probs (a greedy run on random weights repeats one code)


def restricted_logprobs(logits: torch.Tensor, code_lo: int, code_hi: int) -> torch.Tensor:
    """The reference's image-code step (sequence_generator with constraint_range and gen_code): ids 4..code_lo-1
    and from code_hi on masked before the log-softmax, ids 0..3 after it."""
    masked = logits.clone()
    masked[4:code_lo] = float("-inf")
    masked[code_hi:] = float("-inf")
    lp = torch.log_softmax(masked, -1)
    lp[:4] = float("-inf")
    return lp


@torch.no_grad()
def greedy_codes(model, enc, grid: int, code_lo: int, code_hi: int, bos: int) -> dict:
    cross = model.decoder.cross_kv(enc.states, enc.position)
    past, token, codes, logprobs, margins, top_codes, top_logprobs = model.empty_code_past(1), bos, [], [], [], [], []
    for _ in range(CODE_STEPS):
        logits, past = model.step_codes(torch.tensor([[token]]), past, cross, enc.padding_mask, grid)
        lp = restricted_logprobs(logits[0, -1], code_lo, code_hi)
        top = lp.topk(TOP_CODES)
        token = int(top.indices[0])
        codes.append(token - code_lo)
        logprobs.append(float(top.values[0]))
        margins.append(float(top.values[0] - top.values[1]))
        top_codes.append([int(i) - code_lo for i in top.indices])
        top_logprobs.append([float(v) for v in top.values])
    return {"codes": codes, "logprobs": logprobs, "margins": margins, "top_codes": top_codes,
            "top_logprobs": top_logprobs}


@torch.no_grad()
def code_goldens(model, tok: BpeTokenizer, image_dir: Path, manifest: dict) -> list:
    v = manifest["vocabulary"]
    lo, hi, bos = v["code_first_id"], v["code_first_id"] + v["num_codes"], manifest["special_ids"]["bos"]
    out = []
    for caption in GENERATION_CAPTIONS:
        ids = tok.encode(" what is the complete image? caption: " + caption)
        enc = model.encoder.forward_text(torch.tensor([ids]))
        out.append({"task": "text_to_image", "caption": caption, "input_ids": ids, "grid": 32,
                    **greedy_codes(model, enc, 32, lo, hi, bos)})
    for name, file in IMAGES.items():
        ids = tok.encode(" what is the image in the middle part?")
        img = preprocess_image(image_dir / file, 256)
        img[:, :, 64:192, 64:192] = 0
        enc = model.encoder(img, torch.tensor([ids]))
        out.append({"task": "image_infill", "image": name, "file": file, "input_ids": ids, "grid": 16,
                    **greedy_codes(model, enc, 16, lo, hi, bos)})
    return out


def build_package(target: Path, workdir: Path):
    """Writes the checkpoint into workdir and its converted package at target; returns model, tokenizer, manifest."""
    vocab, merges = fit_bpe(CORPUS, 300)
    cfg = small_config("tiny", full_vocab_size(vocab), d_model=64, layers=(2, 2), heads=4)
    ckpt = workdir / NAME
    model = write_checkpoint(ckpt, cfg, vocab, merges, seed=SEED)
    model.eval()
    manifest = convert(ckpt, target, name=NAME)
    v = manifest["vocabulary"]
    tok = BpeTokenizer(vocab, merges, v["code_first_id"], v["num_codes"], v["bin_first_id"], v["num_bins"])
    return model, tok, manifest


def main() -> int:
    image_dir = HERE.parent / "testdata" / "ofa-reference" / "images"
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / "package"
        model, tok, manifest = build_package(staged, Path(tmp))
        gold = goldens(model, tok, image_dir, manifest)
        gold["image_codes"] = code_goldens(model, tok, image_dir, manifest)
        target = HERE / NAME
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(staged, target)
    (HERE / f"{NAME}.goldens.json").write_text(json.dumps(gold, indent=1) + "\n")
    print(f"Wrote {HERE / NAME} and {NAME}.goldens.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
