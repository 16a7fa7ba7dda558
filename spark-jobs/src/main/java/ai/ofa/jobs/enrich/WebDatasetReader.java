package ai.ofa.jobs.enrich;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Streams the samples of webdataset shards (img2dataset's {@code webdataset} output: tar files whose members
 * {@code KEY.jpg}, {@code KEY.txt}, {@code KEY.json} are contiguous per sample) as rows
 * (key, image, caption, json, _source_file), one sample in memory at a time.
 */
public final class WebDatasetReader implements FlatMapFunction<String, Row> {
    public static final StructType SCHEMA = new StructType().add("key", DataTypes.StringType)
            .add("image", DataTypes.BinaryType).add("caption", DataTypes.StringType)
            .add("json", DataTypes.StringType).add("_source_file", DataTypes.StringType);
    static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "webp", "gif", "bmp");
    static final long MAX_MEMBER_BYTES = 256L << 20;

    private final SerializableConfiguration conf;

    WebDatasetReader(SerializableConfiguration conf) {
        this.conf = conf;
    }

    /** The samples of these shards, one Spark partition per shard. */
    public static org.apache.spark.sql.Dataset<Row> read(org.apache.spark.sql.SparkSession spark,
                                                         java.util.List<String> shards) {
        org.apache.spark.api.java.JavaSparkContext jsc =
                org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext());
        SerializableConfiguration conf = new SerializableConfiguration(spark.sparkContext().hadoopConfiguration());
        return spark.createDataFrame(jsc.parallelize(shards, Math.max(1, shards.size()))
                .flatMap(new WebDatasetReader(conf)), SCHEMA);
    }

    @Override
    public Iterator<Row> call(String shard) throws IOException {
        Path p = new Path(shard);
        InputStream raw = p.getFileSystem(conf.value()).open(p);
        TarArchiveInputStream tar = new TarArchiveInputStream(raw);
        return new Iterator<>() {
            private TarArchiveEntry pending = advance();
            private Row next = read();

            private TarArchiveEntry advance() {
                try {
                    TarArchiveEntry e;
                    while ((e = tar.getNextEntry()) != null && !e.isFile()) {
                        // directories and links carry no sample data
                    }
                    if (e == null) {
                        tar.close();
                    }
                    return e;
                } catch (IOException ex) {
                    throw new UncheckedIOException("Corrupt webdataset shard " + shard + ": " + ex.getMessage(), ex);
                }
            }

            private Row read() {
                if (pending == null) {
                    return null;
                }
                String key = keyOf(pending.getName());
                byte[] image = null;
                String caption = null;
                String json = null;
                while (pending != null && keyOf(pending.getName()).equals(key)) {
                    String ext = extensionOf(pending.getName());
                    if (pending.getSize() > MAX_MEMBER_BYTES) {
                        throw new IllegalStateException("Member " + pending.getName() + " of " + shard + " has "
                                + pending.getSize() + " bytes, over the limit of " + MAX_MEMBER_BYTES);
                    }
                    try {
                        byte[] data = tar.readAllBytes();
                        if (IMAGE_EXTENSIONS.contains(ext) && image == null) {
                            image = data;
                        } else if (ext.equals("txt")) {
                            caption = new String(data, StandardCharsets.UTF_8);
                        } else if (ext.equals("json")) {
                            json = new String(data, StandardCharsets.UTF_8);
                        }
                    } catch (IOException ex) {
                        throw new UncheckedIOException("Cannot read " + pending.getName() + " of " + shard, ex);
                    }
                    pending = advance();
                }
                return RowFactory.create(key, image, caption, json, shard);
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public Row next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                Row r = next;
                next = read();
                return r;
            }
        };
    }

    /** Webdataset's sample key: the member path up to the first dot of its file name. */
    static String keyOf(String member) {
        int slash = member.lastIndexOf('/');
        int dot = member.indexOf('.', slash + 1);
        return dot < 0 ? member : member.substring(0, dot);
    }

    static String extensionOf(String member) {
        int slash = member.lastIndexOf('/');
        int dot = member.indexOf('.', slash + 1);
        return dot < 0 ? "" : member.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
