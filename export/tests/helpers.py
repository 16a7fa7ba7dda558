"""Shared helpers of the converter tests: small checkpoints written to temporary folders."""
from __future__ import annotations

import json
import tempfile
import unittest
from pathlib import Path

from ofa_export.testing import fit_bpe, full_vocab_size, small_config, write_checkpoint

CORPUS = " what does the image describe? which region does the text describe? a red circle on the left"
ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "testdata" / "ofa-reference"


def small_vocab():
    return fit_bpe(CORPUS, 40)


class TempDirTestCase(unittest.TestCase):
    def setUp(self) -> None:
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = Path(self._tmp.name)

    def tearDown(self) -> None:
        self._tmp.cleanup()

    def make_checkpoint(self, name="ckpt", family="tiny", d_model=32, layers=(1, 1), heads=2, seed=3, **kw):
        vocab, merges = small_vocab()
        cfg = small_config(family, full_vocab_size(vocab), d_model=d_model, layers=layers, heads=heads)
        model = write_checkpoint(self.tmp / name, cfg, vocab, merges, seed=seed, **kw)
        return self.tmp / name, model


def read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))
