"""The image-code path (text-to-image, image infilling) of the PyTorch model against the reference's own recipe.

The reference fixture has no outputs of this path, so the test rebuilds it the way the reference's
``TransformerDecoder.extract_features_scriptable`` does with ``code_masks`` true: its ``image_position_idx`` buffer
(window ``code_image_size // 8``: 0, the grid row-major as ``col + row * bucket + 1``, then 769 times 1024), its full
``image_rp_bucket`` buffer gathered at those ids, ``image_pos_ln`` for the self and cross position biases and
``code_layernorm_embedding``, all on the whole sequence at once. The model's incremental ``forward_codes`` (one
token per call, KV cache) must give the same logits. Likewise the text-only encoder against the reference's
``patch_images=None`` recipe. Weights: the reference fixture's checkpoint, whose code-path parameters are random.
"""
from __future__ import annotations

import gzip
import shutil
import tempfile
import unittest
from pathlib import Path

import torch

from ofa_export.checkpoint import load_checkpoint
from ofa_export.model import (OfaModel, key_padding_bias, position_bias, reference_image_bucket,
                              reference_token_bucket, split_heads)

from .helpers import REFERENCE


def reference_image_position_idx(window: int, bucket: int) -> torch.Tensor:
    grid = torch.arange(window).unsqueeze(0).expand(window, window) + torch.arange(window).unsqueeze(1) * bucket + 1
    return torch.cat([torch.tensor([0]), grid.reshape(-1), torch.tensor([1024] * 769)])


@torch.no_grad()
def reference_code_logits(model: OfaModel, tokens: torch.Tensor, enc, window: int) -> torch.Tensor:
    """All positions at once, as the reference computes them without an incremental state."""
    dec, cfg = model.decoder, model.cfg
    bsz, tgt_len = tokens.shape
    ipi = reference_image_position_idx(window, cfg.image_bucket_size)[:tgt_len]
    tgt_pos = dec.image_pos_ln(dec.embed_image_positions(ipi)).unsqueeze(0).expand(bsz, -1, -1)
    self_abs = position_bias(dec.self_pos_q_linear, dec.self_pos_k_linear, tgt_pos, tgt_pos, dec.heads,
                             dec.pos_scaling)
    cross_abs = position_bias(dec.cross_pos_q_linear, dec.cross_pos_k_linear, tgt_pos, enc.position, dec.heads,
                              dec.pos_scaling) + key_padding_bias(enc.padding_mask, tgt_pos.dtype)
    bucket = reference_image_bucket(cfg.image_bucket_size)[ipi][:, ipi]
    causal = torch.triu(torch.full((tgt_len, tgt_len), torch.finfo(torch.float32).min), 1)
    x = dec.code_layernorm_embedding(dec.embed_tokens(tokens))
    cross = dec.cross_kv(enc.states, enc.position)
    heads, hd = dec.heads, cfg.d_model // dec.heads
    empty = torch.zeros(bsz, heads, 0, hd)
    for idx, layer in enumerate(dec.layers):
        rel = dec.image_rel_pos_table_list[idx].weight[bucket].permute(2, 0, 1).unsqueeze(0)
        x, _, _ = layer(x, empty, empty, cross[2 * idx], cross[2 * idx + 1], self_abs + rel + causal, cross_abs)
    return dec.output_projection(dec.layer_norm(x))


@torch.no_grad()
def reference_text_encoder(model: OfaModel, ids: torch.Tensor) -> torch.Tensor:
    enc, cfg = model.encoder, model.cfg
    length = ids.shape[1]
    x = enc.layernorm_embedding(enc.embed_tokens(ids) + enc.type_embedding(torch.zeros_like(ids)))
    pad = ids.eq(cfg.pad_token_id)
    x = x * (1 - pad.unsqueeze(-1).float())
    pos = enc.pos_ln(enc.embed_positions(torch.arange(length))).unsqueeze(0).expand(ids.shape[0], -1, -1)
    q = split_heads(enc.pos_q_linear(pos), enc.heads) * enc.pos_scaling
    abs_bias = torch.matmul(q, split_heads(enc.pos_k_linear(pos), enc.heads).transpose(2, 3))
    bucket = reference_token_bucket(cfg.token_bucket_size, cfg.max_position_embeddings)[:length, :length]
    for idx, layer in enumerate(enc.layers):
        rel = enc.token_rel_pos_table_list[idx].weight[bucket].permute(2, 0, 1).unsqueeze(0)
        x = layer(x, abs_bias + rel + key_padding_bias(pad, x.dtype))
    return enc.layer_norm(x)


class CodePathTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls._tmp = tempfile.TemporaryDirectory()
        ckpt = Path(cls._tmp.name) / "hf"
        shutil.copytree(REFERENCE / "hf", ckpt)
        with gzip.open(ckpt / "pytorch_model.bin.gz") as src, (ckpt / "pytorch_model.bin").open("wb") as dst:
            shutil.copyfileobj(src, dst)
        (ckpt / "pytorch_model.bin.gz").unlink()
        cls.model, _ = load_checkpoint(ckpt)
        cls.code_first = cls.model.cfg.vocab_size - 1000 - 8192

    @classmethod
    def tearDownClass(cls) -> None:
        cls._tmp.cleanup()

    @torch.no_grad()
    def test_text_encoder_is_the_reference_recipe(self) -> None:
        ids = torch.tensor([[0, 40, 41, 42, 43, 2], [0, 50, 51, 2, 1, 1]])
        out = self.model.encoder.forward_text(ids)
        want = reference_text_encoder(self.model, ids)
        keep = ~ids.eq(1)
        torch.testing.assert_close(out.states[keep], want[keep], atol=1e-5, rtol=0)
        self.assertTrue(torch.equal(ids.eq(1), out.padding_mask))

    @torch.no_grad()
    def test_incremental_code_decoding_is_the_reference_recipe(self) -> None:
        model = self.model
        g = torch.Generator().manual_seed(3)
        for window, steps in ((32, 40), (16, 260)):   # text-to-image and infilling grids; 260 > 16*16 + 1 positions
            with self.subTest(window=window):
                enc = model.encoder.forward_text(torch.tensor([[0, 40, 41, 42, 2], [0, 43, 2, 1, 1]]))
                codes = torch.randint(self.code_first, self.code_first + 8192, (2, steps - 1), generator=g)
                tokens = torch.cat([torch.zeros(2, 1, dtype=torch.long), codes], dim=1)
                want = reference_code_logits(model, tokens, enc, window)
                cross = model.decoder.cross_kv(enc.states, enc.position)
                past = model.empty_code_past(2)
                got = []
                for t in range(steps):
                    logits, past = model.step_codes(tokens[:, t:t + 1], past, cross, enc.padding_mask, window)
                    got.append(logits[:, 0])
                torch.testing.assert_close(torch.stack(got, 1), want, atol=2e-4, rtol=1e-4)
                # and the whole sequence in one call (teacher forcing) agrees too
                full, _ = model.step_codes(tokens, model.empty_code_past(2), cross, enc.padding_mask, window)
                torch.testing.assert_close(full, want, atol=2e-4, rtol=1e-4)

    @torch.no_grad()
    def test_code_path_differs_from_the_text_path(self) -> None:
        """Guards the test above: the two decoders must not agree by accident (the parameters are random)."""
        model = self.model
        enc = model.encoder.forward_text(torch.tensor([[0, 40, 41, 2]]))
        cross = model.decoder.cross_kv(enc.states, enc.position)
        tokens = torch.tensor([[0, self.code_first + 5, self.code_first + 9]])
        text, _ = model.step(tokens, model.empty_past(1), cross, enc.padding_mask)
        code, _ = model.step_codes(tokens, model.empty_code_past(1), cross, enc.padding_mask, 32)
        self.assertGreater(float((text - code).abs().max()), 1e-2)


if __name__ == "__main__":
    unittest.main()
