package ai.ofa.jobs.corpus.dedup;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The band multi-index without Spark, against brute force: for several thresholds and band plans, a query finds
 * every indexed hash within the threshold exactly once and none beyond it; index and probe keys of two hashes
 * within the threshold always share a key (the exact-recall property the Spark join rests on).
 */
class BandIndexTest {
    /** Random hashes plus planted neighbours at every distance 0 .. k+2 of some of them. */
    private static long[] hashes(Random rnd, int n, int k) {
        long[] h = new long[n];
        for (int i = 0; i < n; i++) {
            if (i % 3 == 0 || i == 0) {
                h[i] = rnd.nextLong();
            } else {
                long v = h[rnd.nextInt(i)];
                Set<Integer> bits = new HashSet<>();
                int flips = rnd.nextInt(k + 3);
                while (bits.size() < flips) {
                    bits.add(rnd.nextInt(64));
                }
                for (int b : bits) {
                    v ^= 1L << b;
                }
                h[i] = v;
            }
        }
        return h;
    }

    @Test
    void queriesFindExactlyTheHashesWithinTheThreshold() {
        Random rnd = new Random(3);
        for (int k : new int[]{0, 1, 3, 6, 10}) {
            List<HammingBands> plans = new ArrayList<>(List.of(HammingBands.plan(k, 300, 300),
                    HammingBands.planSplit(k, 300, 300), HammingBands.plan(k, 10, 1_000_000)));
            plans.add(new HammingBands(k, Math.max(2, Math.min(16, k + 1))));
            for (HammingBands plan : plans) {
                long[] indexed = hashes(rnd, 300, k);
                BandIndex idx = new BandIndex(plan, indexed);
                assertEquals(300, idx.size());
                long[] queries = hashes(rnd, 200, k);
                for (int q = 0; q < queries.length; q++) {
                    long query = q % 2 == 0 ? indexed[rnd.nextInt(indexed.length)] ^ (1L << rnd.nextInt(64))
                            : queries[q];
                    int[] hits = new int[indexed.length];
                    idx.within(query, i -> hits[i]++);
                    for (int i = 0; i < indexed.length; i++) {
                        int d = Long.bitCount(indexed[i] ^ query);
                        assertEquals(d <= k ? 1 : 0, hits[i], plan + ": item " + i + " at distance " + d);
                        assertArrayEquals(new long[]{indexed[i]}, idx.hash(i));
                    }
                }
            }
        }
    }

    @Test
    void indexAndProbeKeysMeetForEveryPairWithinTheThreshold() {
        Random rnd = new Random(4);
        for (int k : new int[]{0, 2, 5, 8}) {
            for (HammingBands plan : List.of(HammingBands.plan(k, 1000, 1000), HammingBands.planSplit(k, 50, 5000))) {
                assertEquals(k, plan.maxDistance());
                assertTrue(plan.bands() >= 1 && plan.radius() >= 0 && plan.indexRadius() >= 0, plan.toString());
                for (int t = 0; t < 300; t++) {
                    long a = rnd.nextLong();
                    long b = a;
                    Set<Integer> bits = new HashSet<>();
                    int flips = rnd.nextInt(k + 1);
                    while (bits.size() < flips) {
                        bits.add(rnd.nextInt(64));
                    }
                    for (int bit : bits) {
                        b ^= 1L << bit;
                    }
                    Set<Long> index = new HashSet<>();
                    for (long key : plan.indexKeys(a)) {
                        index.add(key);
                    }
                    boolean meet = false;
                    for (long key : plan.probeKeys(b)) {
                        meet |= index.contains(key);
                    }
                    assertTrue(meet, plan + ": hashes " + flips + " bits apart share no key");
                }
            }
        }
    }
}
