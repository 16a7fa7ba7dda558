package ai.ofa.model;

import java.util.List;

/** One ONNX graph of a package: its file and the input/output names the manifest promises. */
public record GraphSpec(String file, List<String> inputs, List<String> outputs) {
    public GraphSpec {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }
}
