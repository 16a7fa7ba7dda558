package ai.ofa.model;

import java.util.List;
import java.util.Optional;

/**
 * One ONNX graph of a package: its file, the input/output names the manifest promises, and, for graphs whose
 * weights pass protobuf's 2 GB limit (OFA-large, -huge), the one external-data file beside it
 * ({@code encoder.onnx.data}), which ONNX Runtime reads when it opens the graph from its path.
 */
public record GraphSpec(String file, List<String> inputs, List<String> outputs, Optional<ExternalData> externalData) {
    public GraphSpec {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    public GraphSpec(String file, List<String> inputs, List<String> outputs) {
        this(file, inputs, outputs, Optional.empty());
    }

    /** The external-data file as the manifest lists it: name, size in bytes, SHA-256 (hex). */
    public record ExternalData(String file, long bytes, String sha256) {
    }
}
