package ai.ofa.jobs.enrich;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the enrich job's units go: each micro-batch is written once, identified by its batch id, so that a batch
 * Spark replays after a crash (its offsets logged, its commit not) is recognised as written and not written again.
 */
interface LakeSink {
    /** A unit's figures. */
    record Written(long rows, long errors, Map<String, Long> errorsByReason) {
    }

    /** True when unit {@code batchId} is already in the output (completing an interrupted publish first). */
    boolean completed(long batchId);

    /** Writes unit {@code batchId}: visible to readers all at once, or (Parquet) file by file in a fixed order. */
    Written write(long batchId, String runId, Dataset<Row> rows, EnrichOptions o);

    /** Row and error counts of a unit, from its (persisted) rows. */
    static Written figures(Dataset<Row> rows, EnrichOptions o) {
        List<Column> statuses = new ArrayList<>();
        for (EnrichOptions.Task t : o.tasks()) {
            String col = t.column();
            statuses.add(functions.when(functions.col(col + ".status").equalTo("error"),
                    functions.concat(functions.lit(col + ": "), functions.col(col + ".error"))));
        }
        Dataset<Row> reasons = rows.select(functions.explode(functions.array(statuses.toArray(new Column[0])))
                .as("reason")).filter("reason IS NOT NULL").withColumn("reason", functions.regexp_replace(
                functions.col("reason"), ai.ofa.task.Outcome.ITEM_PREFIX, ""));
        Map<String, Long> byReason = new LinkedHashMap<>();
        long errors = 0;
        for (Row r : reasons.groupBy("reason").count().collectAsList()) {
            byReason.put(r.getString(0), r.getLong(1));
            errors += r.getLong(1);
        }
        return new Written(rows.count(), errors, byReason);
    }

    /** Files for {@code rows} rows at most {@code maxRowsPerFile} each. */
    static int fileCount(long rows, int maxRowsPerFile) {
        return (int) Math.max(1, (rows + maxRowsPerFile - 1) / maxRowsPerFile);
    }
}
