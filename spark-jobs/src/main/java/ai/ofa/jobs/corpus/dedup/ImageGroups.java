package ai.ofa.jobs.corpus.dedup;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Collapses exact and near-duplicate images of a corpus into groups: images with the same decoded pixels share a
 * content hash; content hashes whose perceptual hashes are within the threshold (an exact-recall
 * {@link HammingJoin} of the corpus with itself) are linked, and each connected component takes the smallest
 * content hash in it as its group id.
 *
 * <p>The components come from a union-find on the driver over the near-duplicate pairs, streamed from the
 * executors: exact for any chain length, in one pass (label propagation in Spark needs as many rounds, each a Spark
 * job, as the longest chain has links; it used to stop silently after 30). The driver holds one entry per image
 * that HAS a near-duplicate (a few hundred bytes each: 10 million such images take 2 to 3 GB of driver memory);
 * images without one never leave the executors.
 *
 * <pre>{@code Dataset<Row> groups = ImageGroups.of(prints, 16);   // content_sha256 -> image_group}</pre>
 */
public final class ImageGroups {
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
                maxDistance).filter("left_id < right_id").select("left_id", "right_id");
        Map<String, String> parent = new HashMap<>();
        for (Iterator<Row> it = pairs.toLocalIterator(); it.hasNext(); ) {
            Row r = it.next();
            union(parent, r.getString(0), r.getString(1));
        }
        List<Row> labels = new ArrayList<>(parent.size());
        for (String v : parent.keySet()) {
            labels.add(RowFactory.create(v, find(parent, v)));
        }
        StructType schema = new StructType().add("v", DataTypes.StringType).add("label", DataTypes.StringType);
        Dataset<Row> linked = prints.sparkSession().createDataFrame(labels, schema);
        return images.join(functions.broadcast(linked), images.col("content_sha256").equalTo(linked.col("v")), "left")
                .select(images.col("content_sha256"),
                        functions.coalesce(linked.col("label"), images.col("content_sha256")).as("image_group"));
    }

    /** Links a and b; the smaller root becomes the root, so every root is the smallest id of its component. */
    private static void union(Map<String, String> parent, String a, String b) {
        String ra = find(parent, a);
        String rb = find(parent, b);
        int c = ra.compareTo(rb);
        if (c < 0) {
            parent.put(rb, ra);
        } else if (c > 0) {
            parent.put(ra, rb);
        }
    }

    /** The root of x (x itself when new), halving the path on the way so that chains stay short. */
    private static String find(Map<String, String> parent, String x) {
        parent.putIfAbsent(x, x);
        String p = parent.get(x);
        while (!p.equals(x)) {
            String gp = parent.get(p);
            parent.put(x, gp);
            x = p;
            p = gp;
        }
        return x;
    }
}
