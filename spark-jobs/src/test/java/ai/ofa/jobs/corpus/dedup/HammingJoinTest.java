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
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The banded Hamming join finds exactly the pairs brute force finds, for several thresholds and band counts. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HammingJoinTest {
    private SparkSession spark;
    private final StructType schema = new StructType().add("id", DataTypes.StringType).add("h", DataTypes.LongType);

    @BeforeAll
    void start() {
        spark = SparkSession.builder().master("local[2]").appName("hamming-join").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4").getOrCreate();
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    private Set<String> sparkPairs(long[] left, long[] right, HammingBands bands) {
        return sparkPairs(left, right, bands, false);
    }

    private Set<String> sparkPairs(long[] left, long[] right, HammingBands bands, boolean broadcast) {
        List<Row> l = new ArrayList<>();
        for (int i = 0; i < left.length; i++) {
            l.add(RowFactory.create("L" + i, left[i]));
        }
        List<Row> r = new ArrayList<>();
        for (int j = 0; j < right.length; j++) {
            r.add(RowFactory.create("R" + j, right[j]));
        }
        Set<String> out = new HashSet<>();
        List<Row> rows = (broadcast
                ? HammingJoin.joinBroadcast(spark.createDataFrame(l, schema), "id", "h",
                        spark.createDataFrame(r, schema), "id", "h", bands.maxDistance())
                : HammingJoin.join(spark.createDataFrame(l, schema), "id", "h", spark.createDataFrame(r, schema),
                        "id", "h", bands)).collectAsList();
        for (Row row : rows) {
            assertTrue(out.add(row.getString(0) + "|" + row.getString(1) + "|" + row.getInt(2)), "duplicate pair");
        }
        return out;
    }

    private static Set<String> brute(long[] left, long[] right, int k) {
        Set<String> out = new HashSet<>();
        for (int i = 0; i < left.length; i++) {
            for (int j = 0; j < right.length; j++) {
                int d = Long.bitCount(left[i] ^ right[j]);
                if (d <= k) {
                    out.add("L" + i + "|R" + j + "|" + d);
                }
            }
        }
        return out;
    }

    @Test
    void exactRecallAgainstBruteForce() {
        for (int k : new int[]{0, 3, 8, 12}) {
            long[][] d = HammingBandsTest.data(k, 4000, 1500, k);
            Set<String> expected = brute(d[0], d[1], k);
            assertTrue(expected.size() >= 150, "planted pairs: " + expected.size());
            // the planned split, one with more, narrower bands (a smaller radius per band), and four bands with the
            // radius split between the sides (meet in the middle: for k = 12, radius 3 per band as 1 + 2)
            for (HammingBands bands : List.of(HammingBands.plan(k, 4000, 1500),
                    new HammingBands(k, Math.min(16, Math.max(2, k / 2 + 1))),
                    new HammingBands(k, 4, k / 4 / 2), HammingBands.planSplit(k, 4000, 1500))) {
                assertEquals(expected, sparkPairs(d[0], d[1], bands), "k=" + k + " " + bands);
            }
            assertEquals(expected, sparkPairs(d[0], d[1], HammingBands.plan(k, 4000, 1500), true),
                    "k=" + k + " broadcast index");
        }
    }

    /** 256-bit hashes (PDQ's width): random ones plus, for a third of the right side, left ones at 0..k+3 bits. */
    private static long[][][] data256(long seed, int nLeft, int nRight, int k) {
        Random rnd = new Random(seed);
        long[][] left = new long[nLeft][];
        long[][] right = new long[nRight][];
        for (int i = 0; i < nLeft; i++) {
            left[i] = new long[]{rnd.nextLong(), rnd.nextLong(), rnd.nextLong(), rnd.nextLong()};
        }
        for (int j = 0; j < nRight; j++) {
            if (j % 3 == 0) {
                long[] h = left[rnd.nextInt(nLeft)].clone();
                int flips = j / 3 % (k + 4);
                Set<Integer> bits = new HashSet<>();
                while (bits.size() < flips) {
                    bits.add(rnd.nextInt(256));
                }
                for (int b : bits) {
                    h[b / 64] ^= 1L << (b % 64);
                }
                right[j] = h;
            } else {
                right[j] = new long[]{rnd.nextLong(), rnd.nextLong(), rnd.nextLong(), rnd.nextLong()};
            }
        }
        return new long[][][]{left, right};
    }

    @Test
    void exactRecallAgainstBruteForceAt256Bits() {
        StructType wide = new StructType().add("id", DataTypes.StringType).add("h", HammingJoin.HASH);
        for (int k : new int[]{0, 16, 31}) {
            long[][][] d = data256(k + 100, 2000, 900, k);
            Set<String> expected = new HashSet<>();
            for (int i = 0; i < d[0].length; i++) {
                for (int j = 0; j < d[1].length; j++) {
                    int dist = HammingBands.distance(d[0][i], d[1][j]);
                    if (dist <= k) {
                        expected.add("L" + i + "|R" + j + "|" + dist);
                    }
                }
            }
            assertTrue(expected.size() >= 60, "planted pairs: " + expected.size());
            List<Row> l = new ArrayList<>();
            for (int i = 0; i < d[0].length; i++) {
                l.add(RowFactory.create("L" + i, HammingJoin.toColumn(d[0][i])));
            }
            List<Row> r = new ArrayList<>();
            for (int j = 0; j < d[1].length; j++) {
                r.add(RowFactory.create("R" + j, HammingJoin.toColumn(d[1][j])));
            }
            for (String how : List.of("split", "plan", "broadcast")) {
                List<Row> rows = switch (how) {
                    case "broadcast" -> HammingJoin.joinBroadcast(spark.createDataFrame(l, wide), "id", "h",
                            spark.createDataFrame(r, wide), "id", "h", k).collectAsList();
                    case "plan" -> HammingJoin.join(spark.createDataFrame(l, wide), "id", "h",
                            spark.createDataFrame(r, wide), "id", "h", HammingBands.plan(256, k, 2000, 900))
                            .collectAsList();
                    default -> HammingJoin.join(spark.createDataFrame(l, wide), "id", "h",
                            spark.createDataFrame(r, wide), "id", "h", k).collectAsList();
                };
                Set<String> got = new HashSet<>();
                for (Row row : rows) {
                    assertTrue(got.add(row.getString(0) + "|" + row.getString(1) + "|" + row.getInt(2)),
                            "duplicate pair");
                }
                assertEquals(expected, got, "k=" + k + " " + how);
            }
        }
    }

}
