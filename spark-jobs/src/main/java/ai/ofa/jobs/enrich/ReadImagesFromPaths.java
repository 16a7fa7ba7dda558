package ai.ofa.jobs.enrich;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.util.SerializableConfiguration;

import java.io.IOException;
import java.util.Iterator;

/**
 * For records that point at their image (a path or URI column: file, hdfs, s3a, ...), reads the bytes through
 * Hadoop's FileSystem into an extra binary column, one row at a time (bounded memory). A missing, unreadable, empty or
 * oversized file gives null bytes and the reason in an extra string column; the row is kept.
 */
public final class ReadImagesFromPaths implements MapPartitionsFunction<Row, Row> {
    private final SerializableConfiguration conf;
    private final int pathIndex;
    private final long maxBytes;

    public ReadImagesFromPaths(SerializableConfiguration conf, int pathIndex, long maxBytes) {
        this.conf = conf;
        this.pathIndex = pathIndex;
        this.maxBytes = maxBytes;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        return ai.ofa.jobs.Rows.appending(rows, r -> {
            if (r.isNullAt(pathIndex)) {
                return new Object[]{null, "image path is null"};
            }
            String location = r.getString(pathIndex);
            try {
                return new Object[]{read(location), null};
            } catch (IOException | IllegalArgumentException e) {
                return new Object[]{null, "cannot read image " + location + ": " + e.getMessage()};
            }
        });
    }

    private byte[] read(String location) throws IOException {
        Path p = new Path(location);
        FileSystem fs = p.getFileSystem(conf.value());
        long len = fs.getFileStatus(p).getLen();
        if (len == 0) {
            throw new IllegalArgumentException("the file is empty (0 bytes)");
        }
        if (len > maxBytes) {
            throw new IllegalArgumentException("file of " + len + " bytes exceeds the limit of " + maxBytes);
        }
        byte[] out = new byte[(int) len];
        try (FSDataInputStream in = fs.open(p)) {
            in.readFully(0, out);
        }
        return out;
    }
}
