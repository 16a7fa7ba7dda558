"""Strict loading: every broken checkpoint is refused with its cause named; nothing half-written is left behind."""
from __future__ import annotations

import gzip
import json
import shutil

import torch

from ofa_export.checkpoint import load_checkpoint
from ofa_export.errors import CheckpointError
from ofa_export.export import convert
from ofa_export.model import reference_image_bucket, reference_token_bucket

from .helpers import TempDirTestCase


class CheckpointLoadingTest(TempDirTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.ckpt, self.model = self.make_checkpoint()
        self.state = torch.load(self.ckpt / "pytorch_model.bin")

    def save(self, state) -> None:
        torch.save(state, self.ckpt / "pytorch_model.bin")

    def assert_refused(self, *fragments: str) -> None:
        out = self.tmp / "pkg"
        with self.assertRaises(CheckpointError) as ctx:
            convert(self.ckpt, out)
        for fragment in fragments:
            self.assertIn(fragment, str(ctx.exception))
        self.assertFalse(out.exists(), "nothing may be left at the output path")
        self.assertEqual([], [p.name for p in self.tmp.iterdir() if p.name.startswith(".pkg")],
                         "no staging folder may be left behind")

    def test_loads_every_tensor_exactly(self) -> None:
        loaded, _ = load_checkpoint(self.ckpt)
        for key, value in self.model.state_dict().items():
            self.assertTrue(torch.equal(value, loaded.state_dict()[key]), key)

    def test_missing_key_is_named(self) -> None:
        del self.state["encoder.layers.0.self_attn.c_attn"]
        self.save(self.state)
        self.assert_refused("missing key", "encoder.layers.0.self_attn.c_attn")

    def test_unexpected_key_is_named(self) -> None:
        self.state["encoder.extra_head.weight"] = torch.zeros(3)
        self.save(self.state)
        self.assert_refused("unexpected key", "encoder.extra_head.weight")

    def test_wrong_shape_is_named(self) -> None:
        self.state["decoder.layers.0.fc1.weight"] = torch.zeros(5, 5)
        self.save(self.state)
        self.assert_refused("wrong shape", "decoder.layers.0.fc1.weight", "[5, 5]")

    def test_truncated_weights_file_is_named(self) -> None:
        data = (self.ckpt / "pytorch_model.bin").read_bytes()
        (self.ckpt / "pytorch_model.bin").write_bytes(data[: len(data) // 2])
        self.assert_refused("Corrupt or truncated weights file", "pytorch_model.bin")

    def test_missing_vocab_file_is_named(self) -> None:
        (self.ckpt / "vocab.json").unlink()
        self.assert_refused("Missing vocabulary file", "vocab.json")

    def test_missing_merges_file_is_named(self) -> None:
        (self.ckpt / "merges.txt").unlink()
        self.assert_refused("Missing vocabulary file", "merges.txt")

    def test_missing_weights_file_is_named(self) -> None:
        (self.ckpt / "pytorch_model.bin").unlink()
        self.assert_refused("Missing weights file")

    def test_corrupt_config_is_named(self) -> None:
        (self.ckpt / "config.json").write_text("{ not json")
        self.assert_refused("Corrupt config file", "config.json")

    def test_vocab_size_mismatch_is_explained(self) -> None:
        vocab = json.loads((self.ckpt / "vocab.json").read_text())
        vocab["extra-token"] = len(vocab)
        (self.ckpt / "vocab.json").write_text(json.dumps(vocab))
        self.assert_refused("Vocabulary size mismatch", "vocab_size")

    def test_untied_embedding_copies_are_refused(self) -> None:
        self.state["decoder.output_projection.weight"] = self.state["decoder.output_projection.weight"] + 1
        self.save(self.state)
        self.assert_refused("decoder.output_projection.weight differs")

    def test_computed_buffers_are_optional_and_checked(self) -> None:
        cfg = self.model.cfg
        self.state["encoder.token_rp_bucket"] = reference_token_bucket(cfg.token_bucket_size, 1024)
        self.state["encoder.image_rp_bucket"] = reference_image_bucket(cfg.image_bucket_size)
        self.state["decoder.image_position_idx"] = torch.arange(1025)
        self.save(self.state)
        load_checkpoint(self.ckpt)  # accepted: equal to what the config computes
        self.state["encoder.token_rp_bucket"] = self.state["encoder.token_rp_bucket"] + 1
        self.save(self.state)
        self.assert_refused("encoder.token_rp_bucket differs")

    def test_gzip_and_model_prefix_and_fairseq_names(self) -> None:
        renamed = {}
        for k, v in self.state.items():
            k = k.replace(".cross_attn_layer_norm.", ".encoder_attn_layer_norm.").replace(".cross_attn.", ".encoder_attn.")
            k = k.replace(".self_attn_mid_layer_norm.", ".self_attn_ln.").replace(".cross_attn_mid_layer_norm.", ".cross_attn_ln.")
            k = k.replace(".ffn_layer_norm.", ".ffn_layernorm.")
            renamed[k] = v
        renamed["encoder.version"] = torch.tensor([3.0])
        (self.ckpt / "pytorch_model.bin").unlink()
        torch.save({"model": renamed, "cfg": None}, self.ckpt / "model.pt")
        loaded, _ = load_checkpoint(self.ckpt)
        self.assertTrue(torch.equal(loaded.decoder.layers[0].cross_attn.q_proj.weight,
                                    self.model.decoder.layers[0].cross_attn.q_proj.weight))
        (self.ckpt / "model.pt").unlink()
        with gzip.open(self.ckpt / "pytorch_model.bin.gz", "wb") as f:
            torch.save({"model." + k: v for k, v in self.state.items()}, f)
        loaded, _ = load_checkpoint(self.ckpt)
        self.assertTrue(torch.equal(loaded.encoder.pos_q_linear.weight, self.model.encoder.pos_q_linear.weight))

    def test_existing_output_is_not_overwritten_without_flag(self) -> None:
        out = self.tmp / "pkg"
        out.mkdir()
        (out / "keep.txt").write_text("mine")
        with self.assertRaises(CheckpointError) as ctx:
            convert(self.ckpt, out)
        self.assertIn("already exists", str(ctx.exception))
        self.assertEqual("mine", (out / "keep.txt").read_text())
        shutil.rmtree(out)
