package ai.ofa.model;

import java.util.Arrays;

/** A dense row-major boolean array with its shape (the encoder's padding mask). */
public record Bools(boolean[] data, long[] shape) {
    public Bools gatherRows(int[] rows) {
        int rowSize = shape[0] == 0 ? 0 : data.length / (int) shape[0];
        boolean[] out = new boolean[rows.length * rowSize];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(data, rows[i] * rowSize, out, i * rowSize, rowSize);
        }
        long[] s = shape.clone();
        s[0] = rows.length;
        return new Bools(out, s);
    }

    @Override
    public String toString() {
        return "Bools" + Arrays.toString(shape);
    }
}
