package ai.ofa.jobs.corpus.dedup;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * An in-memory multi-index over a set of hashes (an evaluation set), 64 x n bits each: each hash is filed under
 * its exact band keys; a query visits every key within the radius of its own bands, so every indexed hash within
 * the threshold is found (each exactly once). Open addressing on primitive arrays: small enough to broadcast for
 * millions of hashes (150k PDQ hashes on ten bands: about 20 MB).
 *
 * <pre>{@code
 * BandIndex idx = new BandIndex(HammingBands.plan(256, 31, evalHashes.length, corpusSize), evalHashes);
 * idx.within(queryHash, i -> System.out.println("eval item " + i));
 * }</pre>
 */
public final class BandIndex implements java.io.Serializable {
    private final HammingBands bands;
    private final int words;
    private final long[] hashes;   // item i at [i * words, (i + 1) * words)
    private final int size;
    private final long[] slotKey;
    private final int[] slotHead;
    private final int[] next;   // per (item, band) entry: the next entry with the same key, or -1
    private final int mask;

    public BandIndex(HammingBands bands, long[][] items) {
        this.bands = bands;
        this.words = bands.words();
        this.size = items.length;
        this.hashes = new long[size * words];
        for (int i = 0; i < size; i++) {
            System.arraycopy(items[i], 0, hashes, i * words, words);
        }
        int entries = size * bands.bands();
        int cap = Integer.highestOneBit(Math.max(16, entries * 2 - 1)) << 1;
        mask = cap - 1;
        slotKey = new long[cap];
        slotHead = new int[cap];
        Arrays.fill(slotHead, -1);
        next = new int[entries];
        for (int item = 0; item < size; item++) {
            long[] keys = bands.exactKeys(items[item]);
            for (int b = 0; b < keys.length; b++) {
                int entry = item * bands.bands() + b;
                int s = slot(keys[b]);
                slotKey[s] = keys[b];
                next[entry] = slotHead[s];
                slotHead[s] = entry;
            }
        }
    }

    /** 64-bit hashes. */
    public BandIndex(HammingBands bands, long[] items) {
        this(bands, wrap(items));
    }

    private static long[][] wrap(long[] items) {
        long[][] out = new long[items.length][];
        for (int i = 0; i < items.length; i++) {
            out[i] = new long[]{items[i]};
        }
        return out;
    }

    public HammingBands bands() {
        return bands;
    }

    public int size() {
        return size;
    }

    public long[] hash(int item) {
        return Arrays.copyOfRange(hashes, item * words, (item + 1) * words);
    }

    /** The distance of an indexed hash to a query, without copying. */
    public int distance(int item, long[] query) {
        int d = 0;
        int base = item * words;
        for (int w = 0; w < words; w++) {
            d += Long.bitCount(hashes[base + w] ^ query[w]);
        }
        return d;
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
    public void within(long[] query, IntConsumer hit) {
        long[] probes = bands.neighbourKeys(query);
        long[] queryBands = null;
        // an item can meet the query in several bands: report it from the first band where it does
        for (long key : probes) {
            int s = slot(key);
            if (slotHead[s] == -1) {
                continue;
            }
            int probeBand = HammingBands.bandOfKey(key);
            for (int e = slotHead[s]; e != -1; e = next[e]) {
                int item = e / bands.bands();
                if (distance(item, query) > bands.maxDistance()) {
                    continue;
                }
                if (queryBands == null) {
                    queryBands = bands.exactKeys(query);
                }
                if (firstMeetingBand(item, queryBands) == probeBand) {
                    hit.accept(item);
                }
            }
        }
    }

    /** 64-bit query. */
    public void within(long query, IntConsumer hit) {
        within(new long[]{query}, hit);
    }

    /** The first band in which the item's exact value is within the radius of the query's. */
    private int firstMeetingBand(int item, long[] queryKeys) {
        long[] a = bands.exactKeys(hash(item));
        for (int b = 0; b < a.length; b++) {
            if (Long.bitCount(a[b] ^ queryKeys[b]) <= bands.radius()) {
                return b;
            }
        }
        return -1;
    }
}
