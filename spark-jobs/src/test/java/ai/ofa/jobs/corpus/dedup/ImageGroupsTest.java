package ai.ofa.jobs.corpus.dedup;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link ImageGroups} equals a union-find over brute-force pairs: each image's group is the smallest content hash
 * of its connected component (images linked when their perceptual hashes are within the threshold). Covers random
 * clusters, duplicate content hashes, different images with the same perceptual hash, and a chain of 100
 * near-duplicates in random hash order (diameter 99).
 *
 * <p>Mutations caught: the union keeping the larger root (group ids are then not the component's minimum);
 * pairs dropped at distance 0 (the duplicate perceptual hashes split). The former label propagation, which stopped
 * after 30 rounds, cannot join a chain of diameter 99 (it moved a label one link per round).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageGroupsTest {
    private SparkSession spark;
    private final StructType schema = new StructType().add("content_sha256", DataTypes.StringType)
            .add("phash", DataTypes.LongType);

    @BeforeAll
    void start() {
        spark = SparkSession.builder().master("local[2]").appName("image-groups").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    @Test
    void randomClustersWithDuplicatesEqualUnionFind() {
        for (long seed : new long[]{1, 2}) {
            Random rnd = new Random(seed);
            List<Row> rows = new ArrayList<>();
            for (int c = 0; c < 25; c++) {
                long center = rnd.nextLong();
                int members = 1 + rnd.nextInt(6);
                for (int m = 0; m < members; m++) {
                    long h = center;
                    for (int f = rnd.nextInt(4); f > 0; f--) {
                        h ^= 1L << rnd.nextInt(64);
                    }
                    String id = sha(rnd);
                    rows.add(RowFactory.create(id, h));
                    if (rnd.nextInt(5) == 0) {   // the same image twice in the corpus
                        rows.add(RowFactory.create(id, h));
                    }
                    if (rnd.nextInt(5) == 0) {   // another image with the very same perceptual hash
                        rows.add(RowFactory.create(sha(rnd), h));
                    }
                }
            }
            check(rows, 3);
        }
    }

    @Test
    void aChainOfOneHundredNearDuplicatesIsOneGroup() {
        Random rnd = new Random(100);
        List<Row> rows = new ArrayList<>();
        long h = 0;
        for (int i = 0; i < 100; i++) {   // one bit flipped per step: only neighbours on the chain are within 1 bit
            rows.add(RowFactory.create(sha(rnd), h));
            h ^= 1L << (i % 64);
        }
        Map<String, String> groups = check(rows, 1);
        assertEquals(1, groups.values().stream().distinct().count(), "the chain must be one group");
    }

    /** Runs ImageGroups and compares it, image by image, with union-find; returns the groups. */
    private Map<String, String> check(List<Row> rows, int maxDistance) {
        Map<String, String> want = unionFind(rows, maxDistance);
        Map<String, String> got = new HashMap<>();
        for (Row r : ImageGroups.of(spark.createDataFrame(rows, schema), maxDistance).collectAsList()) {
            String previous = got.put(r.getString(0), r.getString(1));
            assertEquals(null, previous, "image " + r.getString(0) + " is in two groups");
        }
        assertEquals(want.size(), got.size(), "images grouped");
        for (var e : want.entrySet()) {
            assertEquals(e.getValue(), got.get(e.getKey()), "group of " + e.getKey());
        }
        return got;
    }

    private static Map<String, String> unionFind(List<Row> rows, int maxDistance) {
        Map<String, Long> hash = new HashMap<>();
        for (Row r : rows) {
            hash.putIfAbsent(r.getString(0), r.getLong(1));
        }
        Map<String, String> parent = new HashMap<>();
        hash.keySet().forEach(k -> parent.put(k, k));
        List<String> ids = new ArrayList<>(hash.keySet());
        for (int i = 0; i < ids.size(); i++) {
            for (int j = i + 1; j < ids.size(); j++) {
                if (Long.bitCount(hash.get(ids.get(i)) ^ hash.get(ids.get(j))) <= maxDistance) {
                    String a = find(parent, ids.get(i));
                    String b = find(parent, ids.get(j));
                    if (!a.equals(b)) {   // the smaller id becomes the root, so a root is its component's minimum
                        parent.put(a.compareTo(b) < 0 ? b : a, a.compareTo(b) < 0 ? a : b);
                    }
                }
            }
        }
        Map<String, String> out = new HashMap<>();
        for (String id : ids) {
            out.put(id, find(parent, id));
        }
        return out;
    }

    private static String find(Map<String, String> parent, String x) {
        while (!parent.get(x).equals(x)) {
            x = parent.get(x);
        }
        return x;
    }

    private static String sha(Random rnd) {
        byte[] b = new byte[32];
        rnd.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
