"""The PyTorch model of this project reproduces the REFERENCE OFA code's numbers in the fixture's expected.json."""
from __future__ import annotations

import gzip
import json
import os
import shutil
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

from ofa_export.checkpoint import load_checkpoint
from ofa_export.preprocess import preprocess_image

from .helpers import REFERENCE

FIXTURE = Path(os.environ.get("OFA_REFERENCE_FIXTURE") or REFERENCE)


class ReferenceModelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.expected = json.loads((FIXTURE / "expected.json").read_text())
        cls._tmp = tempfile.TemporaryDirectory()
        ckpt = Path(cls._tmp.name) / "hf"
        shutil.copytree(FIXTURE / "hf", ckpt)
        with gzip.open(ckpt / "pytorch_model.bin.gz") as src, (ckpt / "pytorch_model.bin").open("wb") as dst:
            shutil.copyfileobj(src, dst)
        (ckpt / "pytorch_model.bin.gz").unlink()
        cls.model, _ = load_checkpoint(ckpt)

    @classmethod
    def tearDownClass(cls) -> None:
        cls._tmp.cleanup()

    def image(self, name: str, size: int) -> torch.Tensor:
        info = next(i for i in self.expected["images"] if i["name"] == name)
        return preprocess_image(FIXTURE / info["file"], size)

    def test_preprocessing_matches(self) -> None:
        for case in self.expected["preprocess"]:
            t = self.image(case["image"], case["size"])[0]
            for c in range(3):
                self.assertAlmostEqual(case["tensor"]["channel_mean"][c], float(t[c].double().mean()), delta=1e-5)
            for p in case["tensor"]["pixels"]:
                got = [float(t[c, p["y"], p["x"]]) for c in range(3)]
                np.testing.assert_allclose(p["value"], got, atol=1e-6)

    def test_encoder_debug_values(self) -> None:
        for case in self.expected["caption"]:
            e = case["encoder"]
            img = self.image(case["image"], case["size"])
            with torch.no_grad():
                grid = self.model.encoder.embed_images(img)
                out = self.model.encoder(img, torch.tensor([case["input_ids"]]))
            self.assertEqual(e["resnet_out_shape"], list(grid.shape))
            np.testing.assert_allclose(e["resnet_out_first8_at_channel0"], grid[0, 0, 0, :8].numpy(), atol=1e-4)
            self.assertAlmostEqual(e["last_hidden_mean"], float(out.states.double().mean()), delta=1e-5)
            for pos, values in e["last_hidden_first8"].items():
                np.testing.assert_allclose(values, out.states[0, int(pos), :8].numpy(), atol=1e-4)
            for pos, values in e["position_embedding_first8"].items():
                np.testing.assert_allclose(values, out.position[0, int(pos), :8].numpy(), atol=1e-4)

    def test_greedy_and_teacher_forced_logprobs(self) -> None:
        for section in ("caption", "grounding", "vqa"):
            for case in self.expected[section]:
                with self.subTest(section=section, image=case["image"]):
                    self.check_case(case)

    def check_case(self, case) -> None:
        img = self.image(case["image"], case["size"])
        ids = torch.tensor([case["input_ids"]])
        model = self.model
        with torch.no_grad():
            enc = model.encoder(img, ids)
            cross = model.decoder.cross_kv(enc.states, enc.position)
            past = model.empty_past(1)
            token = self.expected["vocab"]["bos"]
            greedy = case["greedy"]
            for step, want in enumerate(greedy["ids"]):
                logits, past = model.step(torch.tensor([[token]]), past, cross, enc.padding_mask)
                logits = logits[0, -1]
                if "allowed_id_range" in case:
                    lo, hi = case["allowed_id_range"]
                    masked = torch.full_like(logits, float("-inf"))
                    masked[lo:hi] = logits[lo:hi]
                    logits = masked
                lp = torch.log_softmax(logits, -1)
                token = int(lp.argmax())
                self.assertEqual(want, token, f"step {step}")
                self.assertAlmostEqual(greedy["logprobs"][step], float(lp[token]), delta=1e-4)
            for key in ("teacher_forced", "teacher_forced_bins"):
                if key in case:
                    tf = case[key]
                    lp = model.log_probs(img, ids, torch.tensor([tf["decoder_input_ids"]]))[0]
                    got = [float(lp[t, target]) for t, target in enumerate(tf["target_ids"])]
                    np.testing.assert_allclose(tf["logprobs"], got, atol=1e-4)
        if "box_xyxy" in case:
            num_bins, max_size, size = 1000, 512, case["size"]
            w, h = case["image_width"], case["image_height"]
            box = [b / (num_bins - 1) * max_size / (size / (w if i % 2 == 0 else h)) for i, b in enumerate(case["bins"])]
            np.testing.assert_allclose(case["box_xyxy"], box, atol=1e-3)


if __name__ == "__main__":
    unittest.main()
