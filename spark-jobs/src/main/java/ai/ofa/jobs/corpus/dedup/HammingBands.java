package ai.ofa.jobs.corpus.dedup;

/**
 * Multi-index hashing for an exact Hamming-distance join on hashes of 64 x n bits ({@code long[n]}, most
 * significant word first: pHash-64 is one word, PDQ four). The hash is cut into {@code m} bands of at most 32 bits;
 * if two hashes differ in at most {@code k} bits, some band differs in at most {@code r = floor(k / m)} bits
 * (pigeonhole). So every pair within {@code k} shares a (band, value) key when one side is indexed by its exact
 * band values and the other by every value within {@code r} of its own: recall is exact by construction, and
 * candidates are verified by their full distance. {@link #plan} picks {@code m} to minimise the expected work; at
 * 256 bits and k = 31 that is about ten bands of 25-26 bits probed within 3 bits each.
 *
 * <pre>{@code
 * HammingBands b = HammingBands.plan(256, 31, evalSize, corpusSize);   // evaluation hashes indexed, corpus probes
 * long[] keys = b.exactKeys(hash);            // one per band
 * long[] probes = b.neighbourKeys(evalHash);  // every band value within r, per band
 * }</pre>
 */
public final class HammingBands implements java.io.Serializable {
    private final int bits;
    private final int maxDistance;
    private final int[] starts;
    private final int[] widths;
    private final int radius;
    private final int indexRadius;

    /** 64-bit hashes. */
    public HammingBands(int maxDistance, int bands) {
        this(64, maxDistance, bands, 0);
    }

    /** 64-bit hashes, the radius split between the sides (see the four-argument constructor). */
    public HammingBands(int maxDistance, int bands, int indexRadius) {
        this(64, maxDistance, bands, indexRadius);
    }

    /**
     * With {@code indexRadius} > 0 the indexed side is also filed under every band value within that radius, and the
     * probing side probes only within {@code radius - indexRadius} ("meet in the middle"): two band values within
     * r of each other always share a value within r1 of one and r - r1 of the other. Both sides then grow by the
     * small ball of r/2 instead of one side by the ball of r, which keeps wide bands (few random collisions)
     * affordable in a self-join of tens of millions.
     */
    public HammingBands(int bits, int maxDistance, int bands, int indexRadius) {
        if (bits < 64 || bits % 64 != 0) {
            throw new IllegalArgumentException("Hash width must be a multiple of 64 bits, got " + bits);
        }
        if (maxDistance < 0 || maxDistance > bits / 2) {
            throw new IllegalArgumentException("Hamming threshold must be in [0, " + bits / 2 + "] for " + bits
                    + "-bit hashes, got " + maxDistance);
        }
        int minBands = Math.max(2, (bits + 31) / 32);
        if (bands < minBands || bands > 64) {
            throw new IllegalArgumentException("Bands must be in [" + minBands + ", 64] for " + bits
                    + "-bit hashes (at most 32 bits a band), got " + bands);
        }
        this.bits = bits;
        this.maxDistance = maxDistance;
        this.radius = maxDistance / bands;
        if (indexRadius < 0 || indexRadius > radius) {
            throw new IllegalArgumentException("Index radius must be in [0, " + radius + "] for k=" + maxDistance
                    + " on " + bands + " bands, got " + indexRadius);
        }
        this.indexRadius = indexRadius;
        starts = new int[bands];
        widths = new int[bands];
        int at = 0;
        for (int i = 0; i < bands; i++) {
            widths[i] = bits / bands + (i < bits % bands ? 1 : 0);
            starts[i] = at;
            at += widths[i];
        }
    }

    /**
     * The band count with the least expected work for uniform hashes, when {@code indexedSize} hashes are filed by
     * their exact band values (one entry per band) and {@code probingSize} hashes probe every value within the
     * radius: index entries + probes + candidates to verify. For an in-memory index ({@link BandIndex}).
     */
    public static HammingBands plan(int bits, int maxDistance, long indexedSize, long probingSize) {
        return cheapest(bits, maxDistance, indexedSize, probingSize, false);
    }

    /** {@link #plan} for 64-bit hashes. */
    public static HammingBands plan(int maxDistance, long indexedSize, long probingSize) {
        return plan(64, maxDistance, indexedSize, probingSize);
    }

    /**
     * The plan for a shuffle join ({@link HammingJoin#join}), where both sides become keyed rows: every band count
     * and every split of the radius between the sides, by the expected keyed rows of both sides plus the candidate
     * pairs (band-value collisions of unrelated hashes, which grow with the product of the sides).
     */
    public static HammingBands planSplit(int bits, int maxDistance, long indexedSize, long probingSize) {
        return cheapest(bits, maxDistance, indexedSize, probingSize, true);
    }

    /** {@link #planSplit} for 64-bit hashes. */
    public static HammingBands planSplit(int maxDistance, long indexedSize, long probingSize) {
        return planSplit(64, maxDistance, indexedSize, probingSize);
    }

    private static HammingBands cheapest(int bits, int maxDistance, long indexedSize, long probingSize,
                                         boolean split) {
        HammingBands best = null;
        double bestCost = Double.MAX_VALUE;
        for (int m = Math.max(2, (bits + 31) / 32); m <= 64; m++) {
            int r = maxDistance / m;
            for (int r1 = 0; r1 <= (split ? r : 0); r1++) {
                HammingBands b = new HammingBands(bits, maxDistance, m, r1);
                double cost = 0;
                for (int w : b.widths) {
                    cost += indexedSize * ball(w, r1) + probingSize * ball(w, r - r1)
                            + (double) indexedSize * probingSize * ball(w, r) / Math.pow(2, w);
                }
                if (cost < bestCost) {
                    bestCost = cost;
                    best = b;
                }
            }
        }
        return best;
    }

    /** Number of w-bit values within distance r of a given one. */
    static double ball(int w, int r) {
        double total = 0;
        double c = 1;
        for (int i = 0; i <= Math.min(r, w); i++) {
            total += c;
            c = c * (w - i) / (i + 1);
        }
        return total;
    }

    public int bits() {
        return bits;
    }

    public int words() {
        return bits / 64;
    }

    public int bands() {
        return widths.length;
    }

    public int radius() {
        return radius;
    }

    public int indexRadius() {
        return indexRadius;
    }

    public int maxDistance() {
        return maxDistance;
    }

    /** Band i's value: bits [start, start + width) counted from the most significant bit of word 0. */
    long band(long[] hash, int i) {
        int start = starts[i];
        int w = widths[i];
        int word = start >>> 6;
        int off = start & 63;
        if (off + w <= 64) {
            return (hash[word] >>> (64 - off - w)) & ((1L << w) - 1);
        }
        int first = 64 - off;
        int second = w - first;
        return ((hash[word] & ((1L << first) - 1)) << second) | (hash[word + 1] >>> (64 - second));
    }

    /** A join key: the band number in the bits above 32, the band value (at most 32 bits wide) below. */
    private static long key(int band, long value) {
        return ((long) band << 32) | value;
    }

    static int bandOfKey(long key) {
        return (int) (key >>> 32);
    }

    private void checkWidth(long[] hash) {
        if (hash.length != bits / 64) {
            throw new IllegalArgumentException("A hash of " + 64 * hash.length + " bits given to bands planned for "
                    + bits + "-bit hashes");
        }
    }

    /** One key per band: the hash's own band values. */
    public long[] exactKeys(long[] hash) {
        checkWidth(hash);
        long[] out = new long[widths.length];
        for (int i = 0; i < widths.length; i++) {
            out[i] = key(i, band(hash, i));
        }
        return out;
    }

    /** Every (band, value) within {@code radius} bits of the hash's band values. */
    public long[] neighbourKeys(long[] hash) {
        return keysWithin(hash, radius);
    }

    /** The indexed side's keys in a shuffle join: every (band, value) within the index radius. */
    public long[] indexKeys(long[] hash) {
        return keysWithin(hash, indexRadius);
    }

    /** The probing side's keys in a shuffle join: every (band, value) within radius - index radius. */
    public long[] probeKeys(long[] hash) {
        return keysWithin(hash, radius - indexRadius);
    }

    /** {@link #exactKeys(long[])} of a 64-bit hash. */
    public long[] exactKeys(long hash) {
        return exactKeys(new long[]{hash});
    }

    /** {@link #neighbourKeys(long[])} of a 64-bit hash. */
    public long[] neighbourKeys(long hash) {
        return neighbourKeys(new long[]{hash});
    }

    /** {@link #indexKeys(long[])} of a 64-bit hash. */
    public long[] indexKeys(long hash) {
        return indexKeys(new long[]{hash});
    }

    /** {@link #probeKeys(long[])} of a 64-bit hash. */
    public long[] probeKeys(long hash) {
        return probeKeys(new long[]{hash});
    }

    private long[] keysWithin(long[] hash, int radius) {
        checkWidth(hash);
        int total = 0;
        for (int w : widths) {
            total += (int) ball(w, radius);
        }
        long[] out = new long[total];
        int[] at = {0};
        for (int i = 0; i < widths.length; i++) {
            flip(i, band(hash, i), widths[i], 0, radius, out, at);
        }
        return out;
    }

    private static void flip(int band, long value, int width, int from, int left, long[] out, int[] at) {
        out[at[0]++] = key(band, value);
        if (left == 0) {
            return;
        }
        for (int bit = from; bit < width; bit++) {
            flip(band, value ^ (1L << bit), width, bit + 1, left - 1, out, at);
        }
    }

    /** The Hamming distance of two hashes of the same width. */
    public static int distance(long[] a, long[] b) {
        int d = 0;
        for (int i = 0; i < a.length; i++) {
            d += Long.bitCount(a[i] ^ b[i]);
        }
        return d;
    }

    @Override
    public String toString() {
        return "HammingBands[" + bits + " bits, k=" + maxDistance + ", bands=" + widths.length + ", radius=" + radius
                + (indexRadius > 0 ? ", index radius=" + indexRadius : "") + "]";
    }
}
