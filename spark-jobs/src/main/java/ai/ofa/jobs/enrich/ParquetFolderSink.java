package ai.ofa.jobs.enrich;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;

/**
 * The Parquet folder layout: {@code OUTPUT/data/batch-BATCH-PART.parquet}, files of up to
 * {@code --max-rows-per-file} rows. A unit is written by Spark to {@code OUTPUT/_staging/batch-BATCH.writing},
 * renamed to {@code _staging/batch-BATCH} once complete, then its files are moved one by one under {@code data/}
 * with names fixed by the batch id. Nothing half-written ever sits under {@code data/}; a crash mid-publish leaves
 * the rest in {@code _staging/batch-BATCH}, and the replayed batch finishes the moves instead of computing again.
 *
 * <pre>{@code LakeSink sink = new ParquetFolderSink(spark, new Path("s3a://lake/enriched"), 100_000);}</pre>
 */
final class ParquetFolderSink implements LakeSink {
    private final SparkSession spark;
    private final Path data;
    private final Path staging;
    private final int maxRowsPerFile;

    ParquetFolderSink(SparkSession spark, Path out, int maxRowsPerFile) {
        this.spark = spark;
        this.data = new Path(out, "data");
        this.staging = new Path(out, "_staging");
        this.maxRowsPerFile = maxRowsPerFile;
    }

    static String prefix(long batchId) {
        return String.format("batch-%012d-", batchId);
    }

    private Path staged(long batchId) {
        return new Path(staging, String.format("batch-%012d", batchId));
    }

    private FileSystem fs() throws IOException {
        return data.getFileSystem(spark.sparkContext().hadoopConfiguration());
    }

    @Override
    public boolean completed(long batchId) {
        try {
            FileSystem fs = fs();
            if (fs.exists(staged(batchId))) {
                publish(fs, batchId);
                return true;
            }
            FileStatus[] published = fs.globStatus(new Path(data, prefix(batchId) + "*"));
            return published != null && published.length > 0;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot check unit " + batchId + " under " + data + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public Written write(long batchId, String runId, Dataset<Row> rows, EnrichOptions o) {
        Path writing = new Path(staging, String.format("batch-%012d.writing", batchId));
        Dataset<Row> kept = rows.persist(StorageLevel.MEMORY_AND_DISK());   // the model runs once per row
        try {
            FileSystem fs = fs();
            fs.delete(writing, true);   // what a crashed attempt of this unit left
            Written w = LakeSink.figures(kept, o);
            kept.repartition(LakeSink.fileCount(w.rows(), maxRowsPerFile)).write()
                    .option("maxRecordsPerFile", maxRowsPerFile).parquet(writing.toString());
            fs.mkdirs(staging);
            if (!fs.rename(writing, staged(batchId))) {
                throw new IOException("cannot rename " + writing + " to " + staged(batchId));
            }
            CrashPoint.at("staged", batchId);
            publish(fs, batchId);
            CrashPoint.at("published", batchId);
            return w;
        } catch (IOException e) {
            throw new IllegalStateException("Writing unit " + batchId + " to " + data + " failed: " + e.getMessage(),
                    e);
        } finally {
            kept.unpersist();
        }
    }

    /** Moves a staged unit's files under data/ (those a crash left unmoved), then drops the staged folder. */
    private void publish(FileSystem fs, long batchId) throws IOException {
        Path from = staged(batchId);
        fs.mkdirs(data);
        FileStatus[] files = fs.listStatus(from, p -> p.getName().endsWith(".parquet"));
        Arrays.sort(files, Comparator.comparing(f -> f.getPath().getName()));
        for (FileStatus f : files) {
            Path to = new Path(data, prefix(batchId) + f.getPath().getName());
            if (!fs.rename(f.getPath(), to)) {
                throw new IOException("cannot move " + f.getPath() + " to " + to);
            }
        }
        fs.delete(from, true);
    }
}
