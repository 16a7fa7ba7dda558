"""Rewrite an fp32 ONNX graph to compute in fp16, keeping an fp32 interface.

Initializers, Constant/ConstantOfShape values and Cast targets become fp16 (values clamped to fp16's finite range,
so the most-negative mask constant stays finite and 0 * mask stays 0), except the constants of inputs ONNX types
as float whatever the data (Resize's roi and scales: the VQGAN decoder's upsampling); float graph inputs get a Cast to fp16 at
entry, float outputs a Cast back to fp32 at exit. The runtime therefore feeds and reads the same types for fp32 and
fp16 packages, while the GPU does the arithmetic in half precision.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FP16_MAX = float(np.finfo(np.float16).max)


def _to_fp16(t: TensorProto) -> TensorProto:
    arr = numpy_helper.to_array(t)
    return numpy_helper.from_array(np.clip(arr, -FP16_MAX, FP16_MAX).astype(np.float16), t.name)


# inputs that ONNX types as float whatever the data's type (Resize's roi and scales): their constants stay fp32
FLOAT_ONLY_INPUTS = {"Resize": (1, 2)}


def convert_to_fp16(path: Path, weights_beside: bool = False) -> None:
    """Rewrites the graph at ``path`` in place; ``weights_beside`` saves its weights in a data file next to it (for
    graphs the converter's ``pack_graph`` then gathers or embeds), else inside it."""
    model = onnx.load(str(path))
    graph = model.graph
    keep = {node.input[i] for node in graph.node for i in FLOAT_ONLY_INPUTS.get(node.op_type, ())
            if i < len(node.input) and node.input[i]}
    for i, init in enumerate(graph.initializer):
        if init.data_type == TensorProto.FLOAT and init.name not in keep:
            graph.initializer[i].CopyFrom(_to_fp16(init))
    for node in graph.node:
        if any(o in keep for o in node.output):
            continue
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.TENSOR and attr.t.data_type == TensorProto.FLOAT:
                attr.t.CopyFrom(_to_fp16(attr.t))
            if node.op_type == "Cast" and attr.name == "to" and attr.i == TensorProto.FLOAT:
                attr.i = TensorProto.FLOAT16
    entry_nodes = []
    for inp in graph.input:
        if inp.type.tensor_type.elem_type == TensorProto.FLOAT:
            half = inp.name + "_fp16"
            for node in graph.node:
                node.input[:] = [half if n == inp.name else n for n in node.input]
            entry_nodes.append(helper.make_node("Cast", [inp.name], [half], to=TensorProto.FLOAT16))
    for out in graph.output:
        if out.type.tensor_type.elem_type == TensorProto.FLOAT:
            half = out.name + "_fp16"
            for node in graph.node:
                node.output[:] = [half if n == out.name else n for n in node.output]
                node.input[:] = [half if n == out.name else n for n in node.input]
            graph.node.append(helper.make_node("Cast", [half], [out.name], to=TensorProto.FLOAT))
    for n in reversed(entry_nodes):
        graph.node.insert(0, n)
    del graph.value_info[:]
    model = onnx.shape_inference.infer_shapes(model)
    onnx.checker.check_model(model)
    if weights_beside:
        onnx.save(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                  location=path.name + ".fp16.data", size_threshold=1024)
    else:
        onnx.save(model, str(path))
