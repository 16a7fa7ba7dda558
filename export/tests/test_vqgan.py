"""The VQGAN converter: strict loading, this project's GumbelVQ against the reference's own outputs, ONNX export.

The reference numbers (testdata/vqgan-reference/expected.json) come from OFA's taming code run on a random
checkpoint; this module's PyTorch model is held to them, and the Java suite holds the exported graphs to them.
"""
from __future__ import annotations

import hashlib
import io
import json
import tempfile
import unittest
from contextlib import redirect_stderr
from pathlib import Path

import numpy as np
import onnx
import torch
from PIL import Image

from ofa_export.convert import main as convert_main
from ofa_export.convert_vqgan import main as convert_vqgan_main
from ofa_export.errors import CheckpointError
from ofa_export.make_vqgan_checkpoint import REAL_SHAPE, SMALL_SHAPE, model_yaml, write_vqgan_checkpoint
from ofa_export.preprocess import preprocess_image
from ofa_export.vqgan import GumbelVq, VqganConfig, to_uint8
from ofa_export.vqgan_checkpoint import load_vqgan
from ofa_export.vqgan_export import MANIFEST, convert_vqgan

from .helpers import ROOT, TempDirTestCase, read_json

REFERENCE = ROOT / "testdata" / "vqgan-reference"
TINY = VqganConfig(ch=32, ch_mult=(1, 2), num_res_blocks=1, attn_resolutions=(8,), z_channels=32, embed_dim=32,
                   n_embed=64, resolution=16)


def stats_close(test: unittest.TestCase, tensor: torch.Tensor, expected: dict, tol: float, what: str) -> None:
    test.assertEqual(expected["shape"][-3:], list(tensor.shape)[-3:], what)
    test.assertAlmostEqual(expected["mean"], float(tensor.double().mean()), delta=tol, msg=what + " mean")
    test.assertAlmostEqual(expected["std"], float(tensor.double().std()), delta=tol, msg=what + " std")
    np.testing.assert_allclose(tensor.flatten()[:8].numpy(), expected["first8"], atol=tol, rtol=0, err_msg=what)


def assert_boundary_flips_only(test: unittest.TestCase, got: np.ndarray, want: np.ndarray, what: str) -> None:
    """OFA's uint8 truncation: an fp32 difference may move a value across an integer, never further."""
    test.assertEqual(want.shape, got.shape, what)
    diff = np.abs(got.astype(int) - want.astype(int))
    test.assertLessEqual(int(diff.max()), 1, what)
    test.assertLessEqual(int((diff > 0).sum()), want.size // 1000, f"{what}: more than 0.1% of the values differ")


class ReferenceParityTest(unittest.TestCase):
    """This project's GumbelVQ on the reference fixture's checkpoint gives the reference code's outputs."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.expected = read_json(REFERENCE / "expected.json")
        cls.model, cls.ckpt = load_vqgan(REFERENCE / "vqgan")

    @torch.no_grad()
    def test_codes_and_intermediates_match_the_reference(self) -> None:
        for item in self.expected["images"]:
            with self.subTest(image=item["file"]):
                x = preprocess_image(REFERENCE / "images" / item["file"], 256)
                stats_close(self, x, item["input"], 1e-6, "input")
                prequant = self.model.prequant(x)
                stats_close(self, prequant, item["prequant"], 1e-5, "prequant")
                logits = self.model.quantize.proj(prequant)
                stats_close(self, logits, item["logits"], 1e-4, "logits")
                codes = logits.argmax(1).flatten().numpy()
                margins = np.array(item["top1_top2_margins"])
                sure = margins > 1e-3
                self.assertGreater(int(sure.sum()), 1000, "the fixture must leave most positions decidable")
                np.testing.assert_array_equal(np.array(item["codes"])[sure], codes[sure])

    @torch.no_grad()
    def test_decoding_the_reference_codes_gives_its_image(self) -> None:
        for item in self.expected["images"]:
            with self.subTest(image=item["file"]):
                pixels = self.model.decode_codes(torch.tensor(item["codes"]).view(1, 32, 32))
                stats_close(self, pixels[0], item["decoded"], 1e-5, "decoded")
                png = np.asarray(Image.open(REFERENCE / f"decoded-{Path(item['file']).stem}.png").convert("RGB"))
                assert_boundary_flips_only(self, to_uint8(pixels[0]).numpy(), png, "decoded uint8")
                self.assertEqual(tuple(item["decoded_uint8_pixels"][0]["rgb"]),
                                 tuple(int(v) for v in png[item["decoded_uint8_pixels"][0]["y"],
                                                           item["decoded_uint8_pixels"][0]["x"]]))

    @torch.no_grad()
    def test_random_codes_decode_like_the_reference(self) -> None:
        rc = self.expected["random_codes"]
        pixels = self.model.decode_codes(torch.tensor(rc["codes"]).view(1, 32, 32))
        stats_close(self, pixels[0], rc["decoded"], 1e-5, "random codes decoded")

    def test_custom_to_pil_truncates(self) -> None:
        pixels = torch.tensor([-2.0, -1.0, 0.0, 0.999, 1.0, 3.0]).view(1, 6, 1).expand(3, 6, 1)
        self.assertEqual([0, 0, 127, 254, 255, 255], to_uint8(pixels)[:, 0, 0].tolist())


class StrictLoadingTest(TempDirTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.ckpt = self.tmp / "vqgan"
        write_vqgan_checkpoint(self.ckpt, TINY, seed=1)
        self.state = torch.load(self.ckpt / "last.ckpt")["state_dict"]

    def save(self, state) -> None:
        torch.save({"state_dict": state}, self.ckpt / "last.ckpt")

    def assert_refused(self, *fragments: str) -> None:
        out = self.tmp / "pkg"
        with self.assertRaises(CheckpointError) as ctx:
            convert_vqgan(self.ckpt, out)
        for fragment in fragments:
            self.assertIn(fragment, str(ctx.exception))
        self.assertFalse(out.exists(), "nothing may be left at the output path")
        self.assertEqual([], [p.name for p in self.tmp.iterdir() if p.name.startswith(".pkg")])

    def test_loads_every_tensor_exactly(self) -> None:
        model, ckpt = load_vqgan(self.ckpt)
        self.assertEqual(set(self.state), set(model.state_dict()))
        for key, value in self.state.items():
            self.assertTrue(torch.equal(value, model.state_dict()[key]), key)
        self.assertEqual(0, ckpt.ignored_training_keys)

    def test_finds_the_vqgan_folder_of_an_ofa_checkpoint_folder(self) -> None:
        _, ckpt = load_vqgan(self.tmp)
        self.assertEqual(self.ckpt, ckpt.directory)

    def test_missing_key_is_named(self) -> None:
        del self.state["decoder.up.0.block.0.nin_shortcut.weight"]
        self.save(self.state)
        self.assert_refused("missing key", "decoder.up.0.block.0.nin_shortcut.weight")

    def test_unexpected_key_is_named(self) -> None:
        self.state["encoder.extra.weight"] = torch.zeros(3)
        self.save(self.state)
        self.assert_refused("unexpected key", "encoder.extra.weight")

    def test_wrong_shape_is_named(self) -> None:
        self.state["quantize.embed.weight"] = torch.zeros(64, 16)
        self.save(self.state)
        self.assert_refused("wrong shape", "quantize.embed.weight", "[64, 16]", "[64, 32]")

    def test_training_loss_weights_are_left_out_and_counted(self) -> None:
        self.state["loss.discriminator.main.0.weight"] = torch.zeros(4, 3, 4, 4)
        self.state["loss.perceptual_loss.net.slice1.0.bias"] = torch.zeros(4)
        self.save(self.state)
        manifest = convert_vqgan(self.ckpt, self.tmp / "pkg")
        self.assertEqual(2, manifest["source"]["ignored_training_keys"])

    def test_no_state_dict_is_named(self) -> None:
        torch.save(self.state, self.ckpt / "last.ckpt")
        self.assert_refused("holds no 'state_dict'", "last.ckpt")

    def test_truncated_file_is_named(self) -> None:
        data = (self.ckpt / "last.ckpt").read_bytes()
        (self.ckpt / "last.ckpt").write_bytes(data[: len(data) // 2])
        self.assert_refused("Corrupt or truncated VQGAN weights file", "last.ckpt")

    def test_missing_files_are_named(self) -> None:
        (self.ckpt / "model.yaml").unlink()
        self.assert_refused("Missing VQGAN file", "model.yaml")

    def test_yaml_syntax_error_names_file_and_line(self) -> None:
        (self.ckpt / "model.yaml").write_text("model:\n  params: [1, 2\n  target: x\n")
        self.assert_refused("Corrupt YAML", "model.yaml", "line")

    def test_bad_field_is_named(self) -> None:
        cases = [
            ("ch_mult: [1, 2]", "ch_mult: abc", "model.params.ddconfig.ch_mult", "'abc'"),
            ("ch: 32", "ch: -4", "model.params.ddconfig.ch", "-4"),
            ("n_embed: 64", "n_embed: 6.5", "model.params.n_embed", "6.5"),
            ("      num_res_blocks: 1\n", "", "model.params.ddconfig.num_res_blocks", "None"),
            ("double_z: false", "double_z: true", "model.params.ddconfig.double_z", "True"),
            ("target: taming.models.vqgan.GumbelVQ", "target: taming.models.vqgan.VQModel", "model.target",
             "VQModel"),
            ("z_channels: 32", "z_channels: 64", "z_channels 64", "embed_dim 32"),
            ("ch: 32", "ch: 40", "ddconfig.ch 40", "multiple of 32"),
        ]
        text = model_yaml(TINY)
        for old, new, *fragments in cases:
            with self.subTest(field=fragments[0]):
                self.assertIn(old, text)
                (self.ckpt / "model.yaml").write_text(text.replace(old, new, 1))
                self.assert_refused(*fragments)

    def test_cli_reports_the_error_and_exits_2(self) -> None:
        del self.state["quant_conv.bias"]
        self.save(self.state)
        err = io.StringIO()
        with redirect_stderr(err):
            code = convert_vqgan_main(["--checkpoint", str(self.ckpt), "--output", str(self.tmp / "pkg")])
        self.assertEqual(2, code)
        self.assertIn("quant_conv.bias", err.getvalue())


class ExportTest(TempDirTestCase):
    def test_package_graphs_and_manifest(self) -> None:
        write_vqgan_checkpoint(self.tmp / "vqgan", TINY, seed=2)
        self.assertEqual(0, convert_vqgan_main(["--checkpoint", str(self.tmp / "vqgan"),
                                                "--output", str(self.tmp / "pkg"), "--name", "tiny-vq"]))
        pkg = self.tmp / "pkg"
        manifest = read_json(pkg / MANIFEST)
        self.assertEqual({"format_version": 1, "kind": "vqgan", "name": "tiny-vq", "num_codes": 64,
                          "image_size": 16, "downsample_factor": 2, "code_grid": 8},
                         {k: manifest[k] for k in ("format_version", "kind", "name", "num_codes", "image_size",
                                                   "downsample_factor", "code_grid")})
        self.assertEqual(TINY.to_dict(), manifest["config"])
        self.assertEqual(hashlib.sha256((self.tmp / "vqgan" / "last.ckpt").read_bytes()).hexdigest(),
                         manifest["source"]["checkpoint_sha256"])
        for graph, dims in (("encoder", {"images": ["batch", 3, "height", "width"],
                                         "codes": ["batch", "code_rows", "code_cols"]}),
                            ("decoder", {"codes": ["batch", "code_rows", "code_cols"],
                                         "pixels": ["batch", 3, "height", "width"]})):
            spec = manifest["graphs"][graph]
            model = onnx.load(str(pkg / spec["file"]))
            onnx.checker.check_model(model)
            self.assertLessEqual(model.opset_import[0].version, 17)
            self.assertEqual(spec["inputs"], [i.name for i in model.graph.input])
            self.assertEqual(spec["outputs"], [o.name for o in model.graph.output])
            for value in list(model.graph.input) + list(model.graph.output):
                if value.name in dims:
                    shape = [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]
                    self.assertEqual(dims[value.name], shape, f"{graph}.{value.name}: every size axis dynamic")
        self.assertEqual(sorted([MANIFEST, "vqgan_decoder.onnx", "vqgan_encoder.onnx"]),
                         sorted(p.name for p in pkg.iterdir()))

    def test_fp16_graphs_compute_in_half_with_fp32_interface(self) -> None:
        write_vqgan_checkpoint(self.tmp / "vqgan", TINY, seed=2)
        self.assertEqual(0, convert_vqgan_main(["--checkpoint", str(self.tmp / "vqgan"), "--output",
                                                str(self.tmp / "pkg16"), "--dtype", "fp16"]))
        manifest = read_json(self.tmp / "pkg16" / MANIFEST)
        self.assertEqual("fp16", manifest["dtype"])
        for graph in ("encoder", "decoder"):
            model = onnx.load(str(self.tmp / "pkg16" / manifest["graphs"][graph]["file"]))
            onnx.checker.check_model(model)
            resize_inputs = {n.input[i] for n in model.graph.node if n.op_type == "Resize"
                             for i in (1, 2) if i < len(n.input) and n.input[i]}
            weights = [t for t in model.graph.initializer if t.name not in resize_inputs]
            self.assertTrue(weights)
            self.assertTrue(all(t.data_type in (onnx.TensorProto.FLOAT16, onnx.TensorProto.INT64)
                                for t in weights if t.data_type != onnx.TensorProto.INT32),
                            f"{graph}: weights in half precision")
            for value in list(model.graph.input) + list(model.graph.output):
                self.assertIn(value.type.tensor_type.elem_type, (onnx.TensorProto.FLOAT, onnx.TensorProto.INT64),
                              f"{graph}.{value.name}: the interface stays fp32 / int64")
        with self.assertRaises(CheckpointError) as ctx:
            convert_vqgan(self.tmp / "vqgan", self.tmp / "pkg8", dtype="int8")
        self.assertIn("int8", str(ctx.exception))

    def test_existing_output_needs_overwrite(self) -> None:
        write_vqgan_checkpoint(self.tmp / "vqgan", TINY, seed=2)
        (self.tmp / "pkg").mkdir()
        with self.assertRaises(CheckpointError) as ctx:
            convert_vqgan(self.tmp / "vqgan", self.tmp / "pkg")
        self.assertIn("--overwrite", str(ctx.exception))
        convert_vqgan(self.tmp / "vqgan", self.tmp / "pkg", overwrite=True)
        self.assertTrue((self.tmp / "pkg" / MANIFEST).is_file())


class RandomCheckpointTest(unittest.TestCase):
    def test_shapes_are_the_published_and_the_fixture_ones(self) -> None:
        fixture = VqganConfig.load(REFERENCE / "vqgan" / "model.yaml")
        self.assertEqual(fixture, SMALL_SHAPE)
        self.assertEqual((128, (1, 1, 2, 4), 2, (32,), 256, 256, 8192, 256),
                         (REAL_SHAPE.ch, REAL_SHAPE.ch_mult, REAL_SHAPE.num_res_blocks, REAL_SHAPE.attn_resolutions,
                          REAL_SHAPE.z_channels, REAL_SHAPE.embed_dim, REAL_SHAPE.n_embed, REAL_SHAPE.resolution))
        model = GumbelVq(REAL_SHAPE)
        self.assertEqual(32, REAL_SHAPE.code_grid)
        self.assertGreater(sum(p.numel() for p in model.parameters()), 60_000_000)

    def test_seeded_and_every_parameter_random(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            a = write_vqgan_checkpoint(Path(tmp) / "a", TINY, seed=5).state_dict()
            b = write_vqgan_checkpoint(Path(tmp) / "b", TINY, seed=5).state_dict()
            c = write_vqgan_checkpoint(Path(tmp) / "c", TINY, seed=6).state_dict()
        for key, value in a.items():
            self.assertTrue(torch.equal(value, b[key]), key)
            self.assertFalse(torch.equal(value, c[key]), key)
            self.assertFalse(bool((value == value.flatten()[0]).all()), f"{key} is constant")


class OfaPackageContainsVqganTest(TempDirTestCase):
    """./ofa convert --vqgan PKG: the VQGAN package travels inside the OFA package, named by its manifest."""

    def test_included_and_named(self) -> None:
        vq = VqganConfig(ch=32, ch_mult=(1, 2), num_res_blocks=1, attn_resolutions=(), z_channels=32, embed_dim=32,
                         n_embed=8192, resolution=16)
        write_vqgan_checkpoint(self.tmp / "vqgan", vq, seed=4)
        convert_vqgan(self.tmp / "vqgan", self.tmp / "vq-pkg", name="small-vq")
        ckpt, _ = self.make_checkpoint()
        self.assertEqual(0, convert_main(["--checkpoint", str(ckpt), "--output", str(self.tmp / "ofa"),
                                          "--vqgan", str(self.tmp / "vq-pkg")]))
        manifest = read_json(self.tmp / "ofa" / "ofa-model.json")
        self.assertEqual({"folder": "vqgan", "name": "small-vq"}, manifest["vqgan"])
        for f in (self.tmp / "vq-pkg").iterdir():
            self.assertEqual(f.read_bytes(), (self.tmp / "ofa" / "vqgan" / f.name).read_bytes(), f.name)

    def test_code_count_must_match_the_vocabulary(self) -> None:
        write_vqgan_checkpoint(self.tmp / "vqgan", TINY, seed=4)
        convert_vqgan(self.tmp / "vqgan", self.tmp / "vq-pkg")
        ckpt, _ = self.make_checkpoint()
        with self.assertRaises(CheckpointError) as ctx:
            from ofa_export.export import convert
            convert(ckpt, self.tmp / "ofa", vqgan=self.tmp / "vq-pkg")
        self.assertIn("64", str(ctx.exception))
        self.assertIn("8192", str(ctx.exception))
        self.assertFalse((self.tmp / "ofa").exists())

    def test_not_a_vqgan_package(self) -> None:
        ckpt, _ = self.make_checkpoint()
        with self.assertRaises(CheckpointError) as ctx:
            from ofa_export.export import convert
            convert(ckpt, self.tmp / "ofa", vqgan=self.tmp)
        self.assertIn("not a VQGAN package", str(ctx.exception))


if __name__ == "__main__":
    unittest.main()
