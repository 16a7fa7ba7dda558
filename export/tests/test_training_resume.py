"""Resuming training is exact: 20 steps, stop, resume for 20 more gives the same weights as 40 steps straight
(seeded, one thread), and the resume load refuses a checkpoint that does not match the model.

Found by this test: a run of --steps 20 then --resume --steps 40 differed from 40 straight steps by up to 8.2 in a
weight, because the learning-rate schedule follows --steps; --stop-at 20 now interrupts the 40-step run itself.
The resume load was strict=False; a checkpoint with a key the model lacks is now refused, naming the key.
"""
from __future__ import annotations

import unittest

import torch

from ofa_export import scenes, train

from .helpers import TempDirTestCase
from .test_scenes_and_training import write_corpus_tsv


class TrainingResumeTest(TempDirTestCase):
    def setUp(self) -> None:
        super().setUp()
        scenes.write(self.tmp / "s", train=12, val=2, seed=4, leak_copies=0)
        write_corpus_tsv(self.tmp / "s", self.tmp / "corpus")

    def args(self, out, steps, *extra):
        return ["--corpus", str(self.tmp / "corpus"), "--output", str(out), "--batch", "4", "--images-per-batch",
                "2", "--resolution", "32", "--d-model", "32", "--layers", "1,1", "--heads", "2", "--merges", "60",
                "--lr", "3e-3", "--log-every", "10", "--save-every", "20", "--threads", "1", "--seed", "5",
                "--steps", str(steps), *extra]

    def test_twenty_steps_resume_twenty_more_equals_forty_straight(self) -> None:
        self.assertEqual(0, train.main(self.args(self.tmp / "straight", 40)))
        # the same 40-step run, interrupted after step 20 (its schedule is the 40-step one), then resumed
        self.assertEqual(0, train.main(self.args(self.tmp / "resumed", 40, "--stop-at", "20")))
        at20 = torch.load(self.tmp / "resumed" / "pytorch_model.bin")
        self.assertEqual(0, train.main(self.args(self.tmp / "resumed", 40, "--resume")))
        straight = torch.load(self.tmp / "straight" / "pytorch_model.bin")
        resumed = torch.load(self.tmp / "resumed" / "pytorch_model.bin")
        self.assertEqual(set(straight), set(resumed))
        worst = max((straight[k].double() - resumed[k].double()).abs().max().item()
                    for k in straight if straight[k].is_floating_point())
        moved = max((straight[k].double() - at20[k].double()).abs().max().item()
                    for k in straight if straight[k].is_floating_point())
        print(f"[resume] max |straight - resumed| = {worst:.3g}; steps 20..40 moved weights by up to {moved:.3g}")
        # one thread, same seed: the same float operations in the same order, so bit-identical
        self.assertEqual(0.0, worst, "resumed training diverged from the straight run")
        self.assertGreater(moved, 1e-3, "steps 20..40 must change the weights for the comparison to mean anything")
        state = torch.load(self.tmp / "resumed" / "training_state.pt")
        self.assertEqual(40, state["step"])

    def test_resume_refuses_a_checkpoint_of_another_shape(self) -> None:
        self.assertEqual(0, train.main(self.args(self.tmp / "ckpt", 2)))
        weights = torch.load(self.tmp / "ckpt" / "pytorch_model.bin")
        weights["encoder.extra_weight"] = torch.zeros(3)
        torch.save(weights, self.tmp / "ckpt" / "pytorch_model.bin")
        with self.assertRaises(SystemExit) as e:
            train.main(self.args(self.tmp / "ckpt", 4, "--resume"))
        self.assertIn("encoder.extra_weight", str(e.exception.code))


if __name__ == "__main__":
    unittest.main()
