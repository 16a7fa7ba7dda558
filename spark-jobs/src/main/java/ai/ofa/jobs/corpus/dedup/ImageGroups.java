package ai.ofa.jobs.corpus.dedup;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Collapses exact and near-duplicate images of a corpus into groups: images with the same decoded pixels share a
 * content hash; content hashes whose perceptual hashes are within the threshold (an exact-recall
 * {@link HammingJoin} of the corpus with itself) are linked, and each connected component takes the smallest
 * content hash in it as its group id (found by min-label propagation, a few Spark joins for near-duplicate
 * clusters, which are small).
 *
 * <pre>{@code Dataset<Row> groups = ImageGroups.of(prints, 16);   // content_sha256 -> image_group}</pre>
 */
public final class ImageGroups {
    private static final int MAX_ROUNDS = 30;

    private ImageGroups() {
    }

    /**
     * {@code prints}: rows with content_sha256 and phash. Returns distinct (content_sha256, image_group); a negative
     * threshold groups exact copies only.
     */
    public static Dataset<Row> of(Dataset<Row> prints, int maxDistance) {
        Dataset<Row> images = prints.filter("content_sha256 IS NOT NULL").groupBy("content_sha256")
                .agg(functions.first("phash").as("phash")).cache();
        if (maxDistance < 0) {   // perceptual hashing off: exact copies (same pixels) only
            return images.select(functions.col("content_sha256"), functions.col("content_sha256").as("image_group"));
        }
        Dataset<Row> pairs = HammingJoin.join(images, "content_sha256", "phash", images, "content_sha256", "phash",
                maxDistance).filter("left_id != right_id");
        Dataset<Row> edges = pairs.select(functions.col("left_id").as("a"), functions.col("right_id").as("b"))
                .unionByName(pairs.select(functions.col("right_id").as("a"), functions.col("left_id").as("b")))
                .distinct().cache();
        Dataset<Row> labels = images.select(functions.col("content_sha256").as("v"),
                functions.col("content_sha256").as("label"));
        for (int round = 0; round < MAX_ROUNDS; round++) {
            Dataset<Row> fromNeighbours = edges.join(labels, edges.col("b").equalTo(labels.col("v")))
                    .groupBy(edges.col("a")).agg(functions.min("label").as("n_label"));
            Dataset<Row> next = labels.join(fromNeighbours, labels.col("v").equalTo(fromNeighbours.col("a")), "left")
                    .select(labels.col("v"), functions.least(labels.col("label"),
                            functions.coalesce(fromNeighbours.col("n_label"), labels.col("label"))).as("label"))
                    .localCheckpoint();
            long changed = next.join(labels.withColumnRenamed("label", "old"), "v")
                    .filter("label != old").count();
            labels = next;
            if (changed == 0) {
                break;
            }
        }
        return labels.select(functions.col("v").as("content_sha256"), functions.col("label").as("image_group"));
    }
}
