package ai.ofa.jobs.enrich;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

import java.util.List;

/**
 * A folder of image files as records {@code (path, _source_file, IMAGE, _read_error)}, from the list of its files.
 * Not Spark's binaryFile reader: its scan skips 0-byte files, so an empty image would lose its row instead of
 * becoming an error row (rows out == rows in).
 *
 * <pre>{@code Dataset<Row> images = ImageFiles.read(spark, List.of("file:/in/a.jpg", "file:/in/b.png"), "content");}</pre>
 */
final class ImageFiles {
    private ImageFiles() {
    }

    static Dataset<Row> read(SparkSession spark, List<String> files, String imageCol) {
        StructType paths = new StructType().add("path", DataTypes.StringType, false)
                .add(EnrichJob.SOURCE_COL, DataTypes.StringType, false);
        List<Row> rows = files.stream().map(f -> RowFactory.create(f, f)).toList();
        // a few partitions per core: image files are small, a task per file would be mostly overhead
        int parts = Math.max(1, Math.min(files.size(), spark.sparkContext().defaultParallelism() * 4));
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        SerializableConfiguration conf = new SerializableConfiguration(spark.sparkContext().hadoopConfiguration());
        StructType withImage = paths.add(imageCol, DataTypes.BinaryType, true)
                .add(EnrichJob.READ_ERROR, DataTypes.StringType, true);
        return spark.createDataFrame(jsc.parallelize(rows, parts), paths)
                .mapPartitions(new ReadImagesFromPaths(conf, 0, EnrichJob.MAX_IMAGE_BYTES), Encoders.row(withImage));
    }
}
