package ai.ofa.cli;

import ai.ofa.generate.SamplingSettings;
import picocli.CommandLine.Option;

/**
 * The sampling options of text-to-image, one picocli mixin for {@code ./ofa generate} and the enrich job's
 * {@code generate} task, so both parse, default and document them alike.
 *
 * <pre>{@code @picocli.CommandLine.Mixin SamplingOptions sampling;   ...   sampling.settings()}</pre>
 */
public final class SamplingOptions {
    @Option(names = "--samples", paramLabel = "N", defaultValue = "1", description = "candidates drawn, the "
            + "best by the model's own sequence log-prob kept (default: ${DEFAULT-VALUE}; no CLIP reranking)")
    int samples;
    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "random seed; the same "
            + "seed gives the same image (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--topk", paramLabel = "K", defaultValue = "256", description = "sample among the K most "
            + "likely codes; 1 is greedy (default: ${DEFAULT-VALUE})")
    int topK;
    @Option(names = "--topp", paramLabel = "P", description = "nucleus sampling: the smallest set of codes "
            + "whose probability reaches P, in (0, 1]; takes precedence over --topk, as in fairseq (default: off)")
    Double topP;
    @Option(names = "--temperature", paramLabel = "T", defaultValue = "1.0", description = "divides the "
            + "logits before sampling (default: ${DEFAULT-VALUE})")
    double temperature;
    @Option(names = "--greedy", description = "the most likely code at each step (for checks against PyTorch)")
    boolean greedy;

    /** The settings these options describe; a bad value is a usage error naming its option. */
    public SamplingSettings settings() {
        try {
            SamplingSettings s = SamplingSettings.reference().withTopK(greedy ? 1 : topK)
                    .withSamples(CommonOptions.positive("--samples", samples)).withSeed(seed)
                    .withTemperature(temperature);
            return topP != null && !greedy ? s.withTopP(topP) : s;
        } catch (IllegalArgumentException e) {
            if (e instanceof OfaCli.UsageException) {
                throw e;
            }
            throw new OfaCli.UsageException("Bad sampling option (--topk, --topp, --temperature): " + e.getMessage());
        }
    }
}
