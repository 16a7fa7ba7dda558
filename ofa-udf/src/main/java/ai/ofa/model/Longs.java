package ai.ofa.model;

import java.util.Arrays;

/** A dense row-major int64 array with its shape (token ids). */
public record Longs(long[] data, long[] shape) {
    public static Longs of(long[][] rows) {
        int width = rows.length == 0 ? 0 : rows[0].length;
        long[] flat = new long[rows.length * width];
        for (int r = 0; r < rows.length; r++) {
            if (rows[r].length != width) {
                throw new IllegalArgumentException("Ragged token rows: row 0 has " + width + " ids, row " + r
                        + " has " + rows[r].length + " (pad them first)");
            }
            System.arraycopy(rows[r], 0, flat, r * width, width);
        }
        return new Longs(flat, new long[]{rows.length, width});
    }

    @Override
    public String toString() {
        return "Longs" + Arrays.toString(shape);
    }
}
