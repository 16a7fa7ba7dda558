package ai.ofa.spark;

import org.apache.spark.ml.Transformer;
import org.apache.spark.util.LongAccumulator;

/**
 * A stage that counts the rows it has done, and those with an error, into accumulators while it runs: how a job
 * shows live progress over stages of any kind ({@link OfaTransformer}, {@link ImageCodeStage}).
 *
 * <pre>{@code if (stage instanceof ReportsProgress p) p.setProgress(done, failed);}</pre>
 */
public interface ReportsProgress {
    Transformer setProgress(LongAccumulator rows, LongAccumulator errors);
}
