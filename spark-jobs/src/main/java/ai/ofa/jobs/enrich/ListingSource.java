package ai.ofa.jobs.enrich;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.read.streaming.MicroBatchStream;
import org.apache.spark.sql.connector.read.streaming.Offset;
import org.apache.spark.sql.connector.read.streaming.ReadLimit;
import org.apache.spark.sql.connector.read.streaming.ReadMaxFiles;
import org.apache.spark.sql.connector.read.streaming.SupportsTriggerAvailableNow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import org.apache.spark.unsafe.types.UTF8String;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The stream that paces the enrich job: a Structured Streaming source (DataSource V2, micro-batch, admission
 * control, {@code Trigger.AvailableNow}) over the driver's one listing of the input. Each micro-batch's rows are
 * the paths of its input files; it reads no file and asks nothing per file.
 *
 * <pre>{@code
 * spark.readStream().format(ListingSource.class.getName()).option("path", "s3a://lake/images/")
 *     .option("format", "binaryfile").option("maxFilesPerTrigger", 20000).load()   // one column: path
 * }</pre>
 *
 * Offsets are positions in the input's listings, which the source keeps in its checkpoint folder
 * ({@code CHECKPOINT/sources/0/listing-NNNNN}, one sorted file of paths per run that found new files, written
 * before any offset that points into it). A restarted query therefore sees the same files at the same positions:
 * Spark replays the batch in flight with the files it had, and the files of later listings come after. Spark's own
 * file source does the same job, but builds each batch's relation over its files, one status request per file.
 */
public final class ListingSource implements TableProvider {
    static final StructType SCHEMA = new StructType().add("path", DataTypes.StringType, false);
    private static final String LISTING = "listing-";
    /** Paths per input partition of a batch (the batch's rows are collected on the driver). */
    private static final int PATHS_PER_PARTITION = 10_000;
    /** Listings the job made already, handed to the stream so that the input is listed once per run. */
    private static final Map<String, List<String>> SHARED = new ConcurrentHashMap<>();

    /** Hands this run's listing of {@code input} (files of {@code format}) to the stream the query will create. */
    static void share(String input, String format, List<String> files) {
        SHARED.put(input + "\n" + format, List.copyOf(files));
    }

    @Override
    public StructType inferSchema(CaseInsensitiveStringMap options) {
        return SCHEMA;
    }

    @Override
    public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
        return new ListingTable(new CaseInsensitiveStringMap(properties));
    }

    private record ListingTable(CaseInsensitiveStringMap options) implements Table, SupportsRead {
        @Override
        public String name() {
            return "ofa-listing(" + options.get("path") + ")";
        }

        @Override
        public StructType schema() {
            return SCHEMA;
        }

        @Override
        public Set<TableCapability> capabilities() {
            return Set.of(TableCapability.MICRO_BATCH_READ);
        }

        @Override
        public ScanBuilder newScanBuilder(CaseInsensitiveStringMap scanOptions) {
            CaseInsensitiveStringMap o = scanOptions.isEmpty() ? options : scanOptions;
            return () -> new Scan() {
                @Override
                public StructType readSchema() {
                    return SCHEMA;
                }

                @Override
                public MicroBatchStream toMicroBatchStream(String checkpointLocation) {
                    String input = o.get("path");
                    if (input == null) {
                        throw new IllegalArgumentException("ListingSource needs option 'path' (the input)");
                    }
                    return new ListingStream(input, o.getOrDefault("format", "auto"),
                            o.getInt("maxFilesPerTrigger", 0), new Path(checkpointLocation));
                }
            };
        }
    }

    /** A position in the concatenated listings: the files before it are in earlier batches. */
    static final class FilePosition extends Offset {
        private static final Pattern JSON = Pattern.compile("\\{\"files\":(\\d+)}");
        final long files;

        FilePosition(long files) {
            this.files = files;
        }

        @Override
        public String json() {
            return "{\"files\":" + files + "}";
        }

        static FilePosition parse(String json) {
            Matcher m = JSON.matcher(json.strip());
            if (!m.matches()) {
                throw new IllegalStateException("Not an offset of the enrich job's listing source: " + json
                        + " (the checkpoint was written by another source; use a new --output)");
            }
            return new FilePosition(Long.parseLong(m.group(1)));
        }
    }

    /** A slice of a batch's paths, the rows of one task. */
    private record Paths(String[] paths) implements InputPartition {
    }

    /** Each path of a slice as a row (static: executors get this, never the stream). */
    private static final class PathReaders implements PartitionReaderFactory {
        @Override
        public PartitionReader<InternalRow> createReader(InputPartition partition) {
            String[] paths = ((Paths) partition).paths();
            return new PartitionReader<>() {
                private int next = -1;

                @Override
                public boolean next() {
                    return ++next < paths.length;
                }

                @Override
                public InternalRow get() {
                    return new GenericInternalRow(new Object[]{UTF8String.fromString(paths[next])});
                }

                @Override
                public void close() {
                }
            };
        }
    }

    private static final class ListingStream implements MicroBatchStream, SupportsTriggerAvailableNow {
        private final String input;
        private final String format;
        private final int maxFiles;
        private final Path dir;
        private final Configuration conf;
        private final List<String> files = new ArrayList<>();
        private int listings;
        private boolean listedThisRun;
        private long availableNowEnd = -1;

        ListingStream(String input, String format, int maxFiles, Path dir) {
            this.input = input;
            this.format = format;
            this.maxFiles = maxFiles;
            this.dir = dir;
            this.conf = SparkSession.active().sparkContext().hadoopConfiguration();
            try {
                FileSystem fs = dir.getFileSystem(conf);
                if (fs.exists(dir)) {
                    FileStatus[] found = fs.listStatus(dir, p -> p.getName().startsWith(LISTING)
                            && !p.getName().contains("."));
                    Arrays.sort(found, (a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
                    for (FileStatus f : found) {
                        try (FSDataInputStream in = fs.open(f.getPath())) {
                            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                            for (String line : text.split("\n")) {
                                if (!line.isEmpty()) {
                                    files.add(line);
                                }
                            }
                        }
                        listings++;
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("Cannot read the listings of checkpoint " + dir + ": "
                        + e.getMessage(), e);
            }
        }

        /** Once per run: the input's files not in an earlier listing become the next listing, sorted. */
        private void refresh() {
            if (listedThisRun) {
                return;
            }
            listedThisRun = true;
            List<String> now = SHARED.remove(input + "\n" + format);
            if (now == null) {
                now = EnrichJob.listInputs(conf, input, format).files();
            }
            Set<String> known = new HashSet<>(files);
            List<String> fresh = now.stream().filter(f -> !known.contains(f)).sorted().toList();
            if (fresh.isEmpty()) {
                return;
            }
            String name = String.format("%s%05d", LISTING, listings);
            try {
                FileSystem fs = dir.getFileSystem(conf);
                fs.mkdirs(dir);
                Path tmp = new Path(dir, name + ".writing");
                try (var out = fs.create(tmp, true)) {
                    out.write((String.join("\n", fresh) + "\n").getBytes(StandardCharsets.UTF_8));
                }
                if (!fs.rename(tmp, new Path(dir, name))) {
                    throw new IOException("rename of " + tmp + " failed");
                }
            } catch (IOException e) {
                throw new IllegalStateException("Cannot write the listing " + name + " under " + dir + ": "
                        + e.getMessage(), e);
            }
            listings++;
            files.addAll(fresh);
        }

        @Override
        public void prepareForTriggerAvailableNow() {
            refresh();
            availableNowEnd = files.size();
        }

        @Override
        public ReadLimit getDefaultReadLimit() {
            return maxFiles > 0 ? ReadLimit.maxFiles(maxFiles) : ReadLimit.allAvailable();
        }

        @Override
        public Offset latestOffset() {
            refresh();
            return new FilePosition(availableNowEnd >= 0 ? availableNowEnd : files.size());
        }

        @Override
        public Offset latestOffset(Offset start, ReadLimit limit) {
            refresh();
            long from = start == null ? 0 : ((FilePosition) start).files;
            long cap = availableNowEnd >= 0 ? availableNowEnd : files.size();
            long end = limit instanceof ReadMaxFiles m ? Math.min(cap, from + m.maxFiles()) : cap;
            return new FilePosition(Math.max(from, end));
        }

        @Override
        public InputPartition[] planInputPartitions(Offset start, Offset end) {
            int from = (int) ((FilePosition) start).files;
            int to = (int) ((FilePosition) end).files;
            if (to > files.size()) {
                throw new IllegalStateException("The checkpoint " + dir + " points at file " + to + " of its "
                        + "listings, which hold " + files.size() + ": a listing file is missing; remove the output "
                        + "folder to start over");
            }
            List<InputPartition> parts = new ArrayList<>();
            for (int i = from; i < to; i += PATHS_PER_PARTITION) {
                parts.add(new Paths(files.subList(i, Math.min(to, i + PATHS_PER_PARTITION)).toArray(new String[0])));
            }
            return parts.toArray(new InputPartition[0]);
        }

        @Override
        public PartitionReaderFactory createReaderFactory() {
            return new PathReaders();
        }

        @Override
        public Offset initialOffset() {
            return new FilePosition(0);
        }

        @Override
        public Offset deserializeOffset(String json) {
            return FilePosition.parse(json);
        }

        @Override
        public void commit(Offset end) {
        }

        @Override
        public void stop() {
        }
    }

    /**
     * Input files an earlier run of this checkpoint already cut into units and finished: the position of the last
     * committed batch, from Spark's offset log ({@code CHECKPOINT/offsets/N}, our offset on its last line). Only the
     * ETA needs it, so anything unreadable counts as 0.
     */
    static long committedBefore(Configuration conf, Path checkpoint) {
        try {
            FileSystem fs = checkpoint.getFileSystem(conf);
            Path commits = new Path(checkpoint, "commits");
            if (!fs.exists(commits)) {
                return 0;
            }
            long last = -1;
            for (FileStatus f : fs.listStatus(commits)) {
                String name = f.getPath().getName();
                if (name.matches("\\d+")) {
                    last = Math.max(last, Long.parseLong(name));
                }
            }
            if (last < 0) {
                return 0;
            }
            try (FSDataInputStream in = fs.open(new Path(checkpoint, "offsets/" + last))) {
                String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip().split("\n");
                return FilePosition.parse(lines[lines.length - 1]).files;
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
