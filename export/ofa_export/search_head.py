"""The runtime's search head: a model-independent ONNX graph that turns decoder logits into what beam search and
candidate scoring read, so the Java side never copies or exponentiates a full vocabulary row.

    logits       float [R, T, V]   decoder output
    k            int64 [1]         how many best tokens per position (<= V)
    gather_ids   int64 [R, T, M]   token ids whose log-probs are wanted (e.g. eos, or teacher-forced targets)
  ->
    top_logprobs float [R, T, k]   best log-probs (log-softmax over all V), highest first, ties by lower id
    top_ids      int64 [R, T, k]
    gathered_logprobs float [R, T, M]

The file is committed at ofa-udf/src/main/resources/ai/ofa/model/search_head.onnx; regenerate it with
    PYTHONPATH=export /usr/bin/python3 -m ofa_export.search_head --output ofa-udf/src/main/resources/ai/ofa/model/search_head.onnx
(byte-identical: no timestamps or random names go into it).
"""
import argparse

import onnx
from onnx import TensorProto, helper

OPSET = 17
IR_VERSION = 8


def build() -> onnx.ModelProto:
    logits = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["rows", "positions", "vocab"])
    k = helper.make_tensor_value_info("k", TensorProto.INT64, [1])
    gather_ids = helper.make_tensor_value_info("gather_ids", TensorProto.INT64, ["rows", "positions", "wanted"])
    outputs = [
        helper.make_tensor_value_info("top_logprobs", TensorProto.FLOAT, ["rows", "positions", "k"]),
        helper.make_tensor_value_info("top_ids", TensorProto.INT64, ["rows", "positions", "k"]),
        helper.make_tensor_value_info("gathered_logprobs", TensorProto.FLOAT, ["rows", "positions", "wanted"]),
    ]
    nodes = [
        helper.make_node("LogSoftmax", ["logits"], ["logprobs"], axis=-1, name="log_softmax"),
        helper.make_node("TopK", ["logprobs", "k"], ["top_logprobs", "top_ids"], axis=-1, largest=1, sorted=1,
                         name="top_k"),
        helper.make_node("GatherElements", ["logprobs", "gather_ids"], ["gathered_logprobs"], axis=-1,
                         name="gather"),
    ]
    graph = helper.make_graph(nodes, "ofa_search_head", [logits, k, gather_ids], outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="ofa_export.search_head")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", required=True)
    args = parser.parse_args(argv)
    onnx.save(build(), args.output)


if __name__ == "__main__":
    main()
