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
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    /** Random hashes plus, for a third of the right side, left hashes planted at every distance 0..k+2. */
    private static long[][] data(long seed, int nLeft, int nRight, int k) {
        Random rnd = new Random(seed);
        long[] left = new long[nLeft];
        long[] right = new long[nRight];
        for (int i = 0; i < nLeft; i++) {
            left[i] = rnd.nextLong();
        }
        for (int j = 0; j < nRight; j++) {
            if (j % 3 == 0) {
                long h = left[rnd.nextInt(nLeft)];
                int flips = j / 3 % (k + 3);
                Set<Integer> bits = new HashSet<>();
                while (bits.size() < flips) {
                    bits.add(rnd.nextInt(64));
                }
                for (int b : bits) {
                    h ^= 1L << b;
                }
                right[j] = h;
            } else {
                right[j] = rnd.nextLong();
            }
        }
        return new long[][]{left, right};
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
            long[][] d = data(k, 4000, 1500, k);
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

    @Test
    void bandIndexReportsEveryHashWithinTheThresholdOnce() {
        long[][] d = data(99, 3000, 600, 9);
        BandIndex idx = new BandIndex(new HammingBands(9, 4), d[0]);
        for (long q : d[1]) {
            List<Integer> hits = new ArrayList<>();
            idx.within(q, hits::add);
            List<Integer> want = new ArrayList<>();
            for (int i = 0; i < d[0].length; i++) {
                if (Long.bitCount(d[0][i] ^ q) <= 9) {
                    want.add(i);
                }
            }
            hits.sort(Integer::compare);
            assertEquals(want, hits);
        }
    }

    @Test
    void neighbourKeysCoverTheBallExactlyOnce() {
        HammingBands b = new HammingBands(6, 3);   // radius 2 on bands of 22, 21, 21 bits
        assertEquals(2, b.radius());
        long[] keys = b.neighbourKeys(0x0123456789abcdefL);
        assertEquals((long) (HammingBands.ball(22, 2) + 2 * HammingBands.ball(21, 2)), keys.length);
        assertEquals(keys.length, java.util.Arrays.stream(keys).distinct().count());
        assertEquals(3, b.exactKeys(0x0123456789abcdefL).length);
        assertThrows(IllegalArgumentException.class, () -> new HammingBands(40, 4));
    }

    @Test
    void splitRadiusKeysMeetForEveryPairWithinTheBandRadius() {
        HammingBands b = new HammingBands(8, 2, 2);   // radius 4 per 32-bit band: 2 on each side
        java.util.Random random = new java.util.Random(5);
        for (int t = 0; t < 200; t++) {
            long a = random.nextLong();
            long other = a;
            for (int flips = random.nextInt(5); flips > 0; flips--) {
                other ^= 1L << random.nextInt(32);   // all in the low band
            }
            Set<Long> index = new java.util.HashSet<>();
            for (long key : b.indexKeys(a)) {
                index.add(key);
            }
            long met = java.util.Arrays.stream(b.probeKeys(other)).filter(index::contains).count();
            assertTrue(met > 0, "pair at distance " + Long.bitCount(a ^ other));
        }
        assertEquals(2 * (long) HammingBands.ball(32, 2), b.indexKeys(1L).length);
        assertThrows(IllegalArgumentException.class, () -> new HammingBands(8, 2, 5));
    }

    @Test
    void splitPlanKeepsCandidatesNearLinearForTwentyMillionImages() {
        // unrelated hashes colliding on a band value grow with the product of the sides; at 20M the plan must
        // trade keyed rows for wider bands so that candidates stay a small multiple of the images
        long n = 20_000_000;
        HammingBands b = HammingBands.planSplit(4, n, n);
        double candidates = 0;
        for (int i = 0; i < b.bands(); i++) {
            int w = 64 / b.bands() + (i < 64 % b.bands() ? 1 : 0);
            candidates += (double) n * n * HammingBands.ball(w, b.radius()) / Math.pow(2, w);
        }
        assertTrue(candidates < 50.0 * n, b + ": " + candidates + " candidates");
        assertTrue(b.indexKeys(0L).length + b.probeKeys(0L).length < 200, b.toString());
    }

    @Test
    void planPrefersMoreBandsForLargerThresholds() {
        assertTrue(HammingBands.plan(2, 1_000_000, 150_000).bands() <= HammingBands.plan(12, 1_000_000, 150_000)
                .bands());
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

    @Test
    void bandsOf256BitsReadAcrossWordBoundaries() {
        HammingBands b = new HammingBands(256, 31, 10, 0);   // widths 26 x 6, 25 x 4: bands straddle the words
        long[] h = {0x0123456789abcdefL, 0xfedcba9876543210L, 0x0f0f0f0f0f0f0f0fL, 0x1111222233334444L};
        java.math.BigInteger whole = new java.math.BigInteger(1, java.nio.ByteBuffer.allocate(32).putLong(h[0])
                .putLong(h[1]).putLong(h[2]).putLong(h[3]).array());
        int start = 0;
        for (int i = 0; i < 10; i++) {
            int w = i < 6 ? 26 : 25;
            long want = whole.shiftRight(256 - start - w).and(java.math.BigInteger.ONE.shiftLeft(w)
                    .subtract(java.math.BigInteger.ONE)).longValueExact();
            assertEquals(want, b.band(h, i), "band " + i);
            start += w;
        }
        HammingBands planned = HammingBands.plan(256, 31, 150_000, 20_000_000);
        System.out.println("{\"plan_256_k31_150k_x_20M\":\"" + planned + "\"}");
        assertTrue(planned.bands() >= 8, planned.toString());
    }
}
