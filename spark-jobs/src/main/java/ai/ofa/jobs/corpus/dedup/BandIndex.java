package ai.ofa.jobs.corpus.dedup;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * An in-memory multi-index over a set of 64-bit hashes (an evaluation set): each hash is filed under its exact
 * band keys; a query visits every key within the radius of its own bands, so every indexed hash within the
 * threshold is found (each exactly once). Open addressing on primitive arrays: small enough to broadcast for
 * millions of hashes.
 *
 * <pre>{@code
 * BandIndex idx = new BandIndex(HammingBands.plan(8, evalHashes.length, corpusSize), evalHashes);
 * idx.within(queryHash, i -> System.out.println("eval item " + i));
 * }</pre>
 */
public final class BandIndex implements java.io.Serializable {
    private final HammingBands bands;
    private final long[] hashes;
    private final long[] slotKey;
    private final int[] slotHead;
    private final int[] next;   // per (item, band) entry: the next entry with the same key, or -1
    private final int mask;

    public BandIndex(HammingBands bands, long[] hashes) {
        this.bands = bands;
        this.hashes = hashes.clone();
        int entries = hashes.length * bands.bands();
        int cap = Integer.highestOneBit(Math.max(16, entries * 2 - 1)) << 1;
        mask = cap - 1;
        slotKey = new long[cap];
        slotHead = new int[cap];
        Arrays.fill(slotHead, -1);
        next = new int[entries];
        for (int item = 0; item < hashes.length; item++) {
            long[] keys = bands.exactKeys(hashes[item]);
            for (int b = 0; b < keys.length; b++) {
                int entry = item * bands.bands() + b;
                int s = slot(keys[b]);
                slotKey[s] = keys[b];
                next[entry] = slotHead[s];
                slotHead[s] = entry;
            }
        }
    }

    public HammingBands bands() {
        return bands;
    }

    public int size() {
        return hashes.length;
    }

    public long hash(int item) {
        return hashes[item];
    }

    private int slot(long key) {
        int s = (int) (mix(key) & mask);
        while (slotHead[s] != -1 && slotKey[s] != key) {
            s = (s + 1) & mask;
        }
        return s;
    }

    private static long mix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        return k;
    }

    /** Calls {@code hit} with the index of every indexed hash within the threshold of {@code query}, once each. */
    public void within(long query, IntConsumer hit) {
        long[] probes = bands.neighbourKeys(query);
        // an item can meet the query in several bands: report it from the first band where it does
        for (long key : probes) {
            int s = slot(key);
            if (slotHead[s] == -1) {
                continue;
            }
            int probeBand = (int) (key >>> 58);
            for (int e = slotHead[s]; e != -1; e = next[e]) {
                int item = e / bands.bands();
                if (Long.bitCount(hashes[item] ^ query) > bands.maxDistance()) {
                    continue;
                }
                if (firstMeetingBand(item, query) == probeBand) {
                    hit.accept(item);
                }
            }
        }
    }

    /** The first band in which the item's exact value is within the radius of the query's. */
    private int firstMeetingBand(int item, long query) {
        long[] a = bands.exactKeys(hashes[item]);
        long[] q = bands.exactKeys(query);
        for (int b = 0; b < a.length; b++) {
            if (Long.bitCount(a[b] ^ q[b]) <= bands.radius()) {
                return b;
            }
        }
        return -1;
    }
}
