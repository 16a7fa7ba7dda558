package ai.ofa.jobs.corpus.dedup;

/**
 * Multi-index hashing for an exact Hamming-distance join on 64-bit hashes. The hash is cut into {@code m} bands;
 * if two hashes differ in at most {@code k} bits, some band differs in at most {@code r = floor(k / m)} bits
 * (pigeonhole). So every pair within {@code k} shares a (band, value) key when one side is indexed by its exact
 * band values and the other by every value within {@code r} of its own: recall is exact by construction, and
 * candidates are verified by their full distance. {@link #plan} picks {@code m} to minimise the expected work.
 *
 * <pre>{@code
 * HammingBands b = HammingBands.plan(8, evalSize, corpusSize);   // evaluation hashes indexed, corpus probes
 * long[] keys = b.exactKeys(hash);            // one per band
 * long[] probes = b.neighbourKeys(evalHash);  // every band value within r, per band
 * }</pre>
 */
public final class HammingBands implements java.io.Serializable {
    private final int maxDistance;
    private final int[] starts;
    private final int[] widths;
    private final int radius;
    private final int indexRadius;

    public HammingBands(int maxDistance, int bands) {
        this(maxDistance, bands, 0);
    }

    /**
     * With {@code indexRadius} > 0 the indexed side is also filed under every band value within that radius, and the
     * probing side probes only within {@code radius - indexRadius} ("meet in the middle"): two band values within
     * r of each other always share a value within r1 of one and r - r1 of the other. Both sides then grow by the
     * small ball of r/2 instead of one side by the ball of r, which keeps wide bands (few random collisions)
     * affordable in a self-join of tens of millions.
     */
    public HammingBands(int maxDistance, int bands, int indexRadius) {
        if (maxDistance < 0 || maxDistance > 32) {
            throw new IllegalArgumentException("Hamming threshold must be in [0, 32], got " + maxDistance);
        }
        if (bands < 2 || bands > 16) {
            throw new IllegalArgumentException("Bands must be in [2, 16], got " + bands);
        }
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
            widths[i] = 64 / bands + (i < 64 % bands ? 1 : 0);
            starts[i] = at;
            at += widths[i];
        }
    }

    /**
     * The band count with the least expected work for uniform hashes, when {@code indexedSize} hashes are filed by
     * their exact band values (one entry per band) and {@code probingSize} hashes probe every value within the
     * radius: index entries + probes + candidates to verify. For an in-memory index ({@link BandIndex}).
     */
    public static HammingBands plan(int maxDistance, long indexedSize, long probingSize) {
        return cheapest(maxDistance, indexedSize, probingSize, false);
    }

    /**
     * The plan for a shuffle join ({@link HammingJoin#join}), where both sides become keyed rows: every band count
     * and every split of the radius between the sides, by the expected keyed rows of both sides plus the candidate
     * pairs (band-value collisions of unrelated hashes, which grow with the product of the sides).
     */
    public static HammingBands planSplit(int maxDistance, long indexedSize, long probingSize) {
        return cheapest(maxDistance, indexedSize, probingSize, true);
    }

    private static HammingBands cheapest(int maxDistance, long indexedSize, long probingSize, boolean split) {
        HammingBands best = null;
        double bestCost = Double.MAX_VALUE;
        for (int m = 2; m <= 16; m++) {
            int r = maxDistance / m;
            for (int r1 = 0; r1 <= (split ? r : 0); r1++) {
                HammingBands b = new HammingBands(maxDistance, m, r1);
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

    private long band(long hash, int i) {
        return (hash >>> (64 - starts[i] - widths[i])) & ((1L << widths[i]) - 1);
    }

    /** A join key: the band number in bits 58-61, the band value (at most 32 bits wide) below. */
    private static long key(int band, long value) {
        return ((long) band << 58) ^ value;
    }

    /** One key per band: the hash's own band values. */
    public long[] exactKeys(long hash) {
        long[] out = new long[widths.length];
        for (int i = 0; i < widths.length; i++) {
            out[i] = key(i, band(hash, i));
        }
        return out;
    }

    /** Every (band, value) within {@code radius} bits of the hash's band values. */
    public long[] neighbourKeys(long hash) {
        return keysWithin(hash, radius);
    }

    /** The indexed side's keys in a shuffle join: every (band, value) within the index radius. */
    public long[] indexKeys(long hash) {
        return keysWithin(hash, indexRadius);
    }

    /** The probing side's keys in a shuffle join: every (band, value) within radius - index radius. */
    public long[] probeKeys(long hash) {
        return keysWithin(hash, radius - indexRadius);
    }

    private long[] keysWithin(long hash, int radius) {
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

    @Override
    public String toString() {
        return "HammingBands[k=" + maxDistance + ", bands=" + widths.length + ", radius=" + radius
                + (indexRadius > 0 ? ", index radius=" + indexRadius : "") + "]";
    }
}
