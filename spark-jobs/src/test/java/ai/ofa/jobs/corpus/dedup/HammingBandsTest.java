package ai.ofa.jobs.corpus.dedup;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Band planning and keys of the multi-index Hamming join, without Spark: the keys of a hash cover its Hamming ball
 * exactly once, split-radius keys meet for every pair within the band radius, bands of 256-bit hashes read across
 * word boundaries, and the in-memory {@link BandIndex} finds what brute force finds. {@link HammingJoinTest} runs
 * the same plans through Spark.
 */
class HammingBandsTest {
    /** Random hashes plus, for a third of the right side, left hashes planted at every distance 0..k+2. */
    static long[][] data(long seed, int nLeft, int nRight, int k) {
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
        assertEquals(keys.length, Arrays.stream(keys).distinct().count());
        assertEquals(3, b.exactKeys(0x0123456789abcdefL).length);
        assertThrows(IllegalArgumentException.class, () -> new HammingBands(40, 4));
    }

    @Test
    void splitRadiusKeysMeetForEveryPairWithinTheBandRadius() {
        HammingBands b = new HammingBands(8, 2, 2);   // radius 4 per 32-bit band: 2 on each side
        Random random = new Random(5);
        for (int t = 0; t < 200; t++) {
            long a = random.nextLong();
            long other = a;
            for (int flips = random.nextInt(5); flips > 0; flips--) {
                other ^= 1L << random.nextInt(32);   // all in the low band
            }
            Set<Long> index = new HashSet<>();
            for (long key : b.indexKeys(a)) {
                index.add(key);
            }
            long met = Arrays.stream(b.probeKeys(other)).filter(index::contains).count();
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
