"""Conversion of every size family, manifest contents, onnx.checker, fp16 graphs, parameter counts of real sizes."""
from __future__ import annotations

import unittest

import onnx
from onnx import TensorProto

from ofa_export.config import PUBLISHED, published_config
from ofa_export.convert import main as convert_main
from ofa_export.export import TASK_RESOLUTION, convert
from ofa_export.model import parameter_count

from .helpers import TempDirTestCase, read_json

# OFA.md's table: published parameter counts per size
PUBLISHED_PARAMS = {"tiny": 33e6, "medium": 93e6, "base": 180e6, "large": 470e6, "huge": 930e6}


class ConvertEveryFamilyTest(TempDirTestCase):
    def test_each_size_family_converts_and_checks(self) -> None:
        for family in PUBLISHED:
            with self.subTest(family=family):
                ckpt, model = self.make_checkpoint(name=family, family=family, layers=(2, 1) if family == "huge" else (1, 2))
                manifest = convert(ckpt, self.tmp / f"{family}-pkg")
                pkg = self.tmp / f"{family}-pkg"
                for graph in ("encoder", "cross_kv", "decoder"):
                    onnx.checker.check_model(str(pkg / f"{graph}.onnx"))
                    loaded = onnx.load(str(pkg / f"{graph}.onnx"))
                    self.assertLessEqual(loaded.opset_import[0].version, 17)
                    names = [i.name for i in loaded.graph.input]
                    self.assertEqual(manifest["graphs"][graph]["inputs"], names)
                self.assertEqual(PUBLISHED[family]["resnet_type"], manifest["model_config"]["resnet_type"])
                self.assertEqual(sum(p.numel() for p in model.parameters()), manifest["model_config"]["parameters"])


class ManifestTest(TempDirTestCase):
    def test_manifest_fields(self) -> None:
        ckpt, model = self.make_checkpoint()
        self.assertEqual(0, convert_main(["--checkpoint", str(ckpt), "--output", str(self.tmp / "pkg")]))
        m = read_json(self.tmp / "pkg" / "ofa-model.json")
        vocab = read_json(ckpt / "vocab.json")
        self.assertEqual(2, m["format_version"])
        self.assertEqual("fp32", m["dtype"])
        self.assertEqual(len(vocab), m["vocabulary"]["code_first_id"])
        self.assertEqual(len(vocab) + 8192, m["vocabulary"]["bin_first_id"])
        self.assertEqual(1000, m["vocabulary"]["num_bins"])
        self.assertEqual({"bos": 0, "pad": 1, "eos": 2, "unk": 3, "mask": vocab["<mask>"]}, m["special_ids"])
        self.assertEqual(480, m["image"]["resolution"]["caption"])
        self.assertEqual(512, m["image"]["resolution"]["grounding"])
        self.assertEqual(TASK_RESOLUTION, m["image"]["resolution"])
        self.assertEqual(model.cfg.decoder_layers * 2 + 1, len(m["graphs"]["cross_kv"]["outputs"]))
        for f in ("vocab.json", "merges.txt", "encoder.onnx", "cross_kv.onnx", "decoder.onnx"):
            self.assertTrue((self.tmp / "pkg" / f).is_file(), f)

    def test_cli_reports_errors_with_exit_code_2(self) -> None:
        self.assertEqual(2, convert_main(["--checkpoint", str(self.tmp / "nope"), "--output", str(self.tmp / "o")]))
        self.assertFalse((self.tmp / "o").exists())


class Fp16Test(TempDirTestCase):
    def test_fp16_graphs_compute_in_half_with_fp32_interface(self) -> None:
        ckpt, _ = self.make_checkpoint()
        m = convert(ckpt, self.tmp / "pkg16", dtype="fp16")
        self.assertEqual("fp16", m["dtype"])
        for graph in ("encoder", "cross_kv", "decoder"):
            g = onnx.load(str(self.tmp / "pkg16" / f"{graph}.onnx")).graph
            float_inits = [i.name for i in g.initializer if i.data_type == TensorProto.FLOAT]
            self.assertEqual([], float_inits, f"{graph}: fp32 initializers left")
            self.assertTrue(any(i.data_type == TensorProto.FLOAT16 for i in g.initializer))
            for value in list(g.input) + list(g.output):
                self.assertNotEqual(TensorProto.FLOAT16, value.type.tensor_type.elem_type, value.name)


class ExternalDataTest(TempDirTestCase):
    """The layout of OFA-large and -huge (weights past protobuf's 2 GB limit), forced on a small model: one
    NAME.onnx.data per graph, named in the manifest with its size and SHA-256, and no loose tensor files."""

    def test_one_data_file_per_graph_with_its_checksum(self) -> None:
        import hashlib

        import numpy as np

        ckpt, _ = self.make_checkpoint()
        embedded = convert(ckpt, self.tmp / "embedded")
        for dtype in ("fp32", "fp16"):
            with self.subTest(dtype=dtype):
                out = self.tmp / f"external-{dtype}"
                m = convert(ckpt, out, dtype=dtype, external_data="always")
                graphs = m["graphs"]
                expected = {"ofa-model.json", "vocab.json", "merges.txt"}
                for g, entry in graphs.items():
                    expected |= {entry["file"], entry["external_data"]["file"]}
                    data = out / entry["external_data"]["file"]
                    self.assertEqual(f"{g}.onnx.data", data.name)
                    self.assertEqual(entry["external_data"]["bytes"], data.stat().st_size)
                    self.assertEqual(entry["external_data"]["sha256"], hashlib.sha256(data.read_bytes()).hexdigest())
                    # the graph file holds structure only: every tensor of 1 KiB or more points into the data file
                    structure = onnx.load(str(out / entry["file"]), load_external_data=False)
                    inside = [t.name for t in structure.graph.initializer
                              if t.data_location != TensorProto.EXTERNAL and t.ByteSize() >= 1024]
                    self.assertEqual([], inside, g)
                    self.assertTrue(all(e.value == data.name for t in structure.graph.initializer
                                        for e in t.external_data if e.key == "location"), g)
                    onnx.checker.check_model(str(out / entry["file"]))
                self.assertEqual(expected, {p.name for p in out.iterdir()}, "loose files in the package")
                self.assertFalse(any("external_data" in e for e in embedded["graphs"].values()))
                if dtype == "fp32":
                    # the weights read back through onnx's own external-data loader equal the embedded package's
                    for g in graphs:
                        a = weights(self.tmp / "embedded" / f"{g}.onnx")
                        b = weights(out / f"{g}.onnx")
                        self.assertEqual(a.keys(), b.keys(), g)
                        for name in a:
                            np.testing.assert_array_equal(a[name], b[name], err_msg=f"{g}:{name}")

    def test_unknown_mode_is_refused(self) -> None:
        ckpt, _ = self.make_checkpoint()
        with self.assertRaisesRegex(Exception, "external data mode 'sometimes'.*auto"):
            convert(ckpt, self.tmp / "pkg", external_data="sometimes")
        self.assertFalse((self.tmp / "pkg").exists())


def weights(graph_file):
    from onnx import numpy_helper
    return {t.name: numpy_helper.to_array(t) for t in onnx.load(str(graph_file)).graph.initializer}


class PublishedSizesTest(unittest.TestCase):
    def test_parameter_counts_match_the_published_table(self) -> None:
        for size, expected in PUBLISHED_PARAMS.items():
            with self.subTest(size=size):
                count = parameter_count(published_config(size))
                self.assertLess(abs(count - expected) / expected, 0.02, f"{size}: {count:,} vs {expected:,.0f}")
