package ai.ofa.spark;

import ai.ofa.model.OfaModel;
import ai.ofa.task.OfaResult;
import ai.ofa.task.Outcome;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Streams a partition through the model in batches of {@code batchSize} rows (bounded memory: one batch of image
 * bytes at a time): each output row is the input row plus the result struct. A failing item gets an error struct;
 * a failure of the runtime itself fails the task, so Spark retries it.
 */
final class BatchingPartition implements MapPartitionsFunction<Row, Row> {
    private final String modelPath;
    private final SparkDevice.Mode device;
    private final int threads;
    private final int batchSize;
    private final int imageIndex;
    private final BatchTask task;
    private final org.apache.spark.util.LongAccumulator rowsDone;
    private final org.apache.spark.util.LongAccumulator errors;

    BatchingPartition(String modelPath, SparkDevice.Mode device, int threads, int batchSize, int imageIndex,
                      BatchTask task, org.apache.spark.util.LongAccumulator rowsDone,
                      org.apache.spark.util.LongAccumulator errors) {
        this.modelPath = modelPath;
        this.device = device;
        this.threads = threads;
        this.batchSize = batchSize;
        this.imageIndex = imageIndex;
        this.task = task;
        this.rowsDone = rowsDone;
        this.errors = errors;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        if (!input.hasNext()) {
            return Collections.emptyIterator();
        }
        OfaModel model = ModelRegistry.get(modelPath, SparkDevice.resolve(device), threads);
        Map<String, String> provenance = model.provenance();
        return new Iterator<>() {
            private Iterator<Row> current = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                if (current.hasNext()) {
                    return true;
                }
                if (!input.hasNext()) {
                    return false;
                }
                current = nextBatch().iterator();
                return current.hasNext();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }

            private List<Row> nextBatch() {
                List<Row> rows = new ArrayList<>(batchSize);
                List<byte[]> images = new ArrayList<>(batchSize);
                while (input.hasNext() && rows.size() < batchSize) {
                    Row r = input.next();
                    rows.add(r);
                    images.add(r.isNullAt(imageIndex) ? null : r.getAs(imageIndex));
                }
                List<Row> out = new ArrayList<>(rows.size());
                // item-level problems come back as error outcomes; a runtime failure (device lost, out of memory)
                // propagates so that Spark retries the task elsewhere instead of writing a batch of errors
                List<Outcome<OfaResult>> results = task.run(model, images, rows);
                if (rowsDone != null) {
                    rowsDone.add(rows.size());
                }
                if (errors != null) {
                    errors.add(results.stream().filter(r -> !r.isOk()).count());
                }
                for (int i = 0; i < rows.size(); i++) {
                    Row in = rows.get(i);
                    Object[] values = new Object[in.size() + 1];
                    for (int c = 0; c < in.size(); c++) {
                        values[c] = in.get(c);
                    }
                    values[in.size()] = ResultSchema.toRow(results.get(i), provenance);
                    out.add(RowFactory.create(values));
                }
                return out;
            }
        };
    }
}
