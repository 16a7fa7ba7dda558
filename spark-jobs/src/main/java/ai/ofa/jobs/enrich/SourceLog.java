package ai.ofa.jobs.enrich;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.streaming.runtime.FileStreamSource;
import org.apache.spark.sql.execution.streaming.runtime.FileStreamSourceLog;

import java.util.ArrayList;
import java.util.List;

/**
 * The input files of one micro-batch, as Spark's file source logged them in the checkpoint
 * ({@code CHECKPOINT/sources/0/BATCH}) before the batch ran: the same files when a crashed batch is replayed.
 *
 * <pre>{@code List<String> files = SourceLog.files(spark, new Path(out, "_checkpoint"), 3);}</pre>
 */
final class SourceLog {
    private SourceLog() {
    }

    /** Input files an earlier run of this checkpoint already cut into units (done, or the one in flight). */
    static long plannedBefore(SparkSession spark, Path checkpoint) {
        try {
            Path dir = new Path(checkpoint, "sources/0");
            if (!dir.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(dir)) {
                return 0;
            }
            return new FileStreamSourceLog(FileStreamSourceLog.VERSION(), spark, dir.toString()).allFiles().length;
        } catch (java.io.IOException e) {
            return 0;   // only the ETA needs it
        }
    }

    static List<String> files(SparkSession spark, Path checkpoint, long batchId) {
        FileStreamSourceLog log = new FileStreamSourceLog(FileStreamSourceLog.VERSION(), spark,
                new Path(checkpoint, "sources/0").toString());
        scala.Option<FileStreamSource.FileEntry[]> entries = log.get(batchId);
        if (entries.isEmpty()) {
            throw new IllegalStateException("The checkpoint " + checkpoint + " has no source log for unit " + batchId
                    + "; it is damaged: remove the output folder to start over");
        }
        List<String> files = new ArrayList<>();
        for (FileStreamSource.FileEntry e : entries.get()) {
            if (e.batchId() == batchId) {   // a compacted log file holds the entries of earlier batches too
                files.add(e.path());
            }
        }
        files.sort(String::compareTo);
        return files;
    }
}
