"""The runtime's search head graph: committed bytes equal the script's output, and it has the promised interface."""
from __future__ import annotations

import onnx

from ofa_export import search_head

from .helpers import ROOT, TempDirTestCase

COMMITTED = ROOT / "ofa-udf" / "src" / "main" / "resources" / "ai" / "ofa" / "model" / "search_head.onnx"


class SearchHeadTest(TempDirTestCase):
    def test_regenerates_identically(self) -> None:
        out = self.tmp / "search_head.onnx"
        search_head.main(["--output", str(out)])
        self.assertEqual(COMMITTED.read_bytes(), out.read_bytes())

    def test_interface(self) -> None:
        model = onnx.load(str(COMMITTED))
        onnx.checker.check_model(model)
        graph = model.graph
        self.assertEqual(["logits", "k", "gather_ids"], [i.name for i in graph.input])
        self.assertEqual(["top_logprobs", "top_ids", "gathered_logprobs"], [o.name for o in graph.output])
        ops = {n.op_type: n for n in graph.node}
        self.assertEqual({"LogSoftmax", "TopK", "GatherElements"}, set(ops))
        top_k = {a.name: a.i for a in ops["TopK"].attribute}
        # largest first, sorted: the search reads candidates best first; ties come lower id first (ONNX TopK)
        self.assertEqual({"axis": -1, "largest": 1, "sorted": 1}, top_k)
        self.assertEqual("logprobs", ops["TopK"].input[0])
        self.assertEqual("logprobs", ops["GatherElements"].input[0])
