package ai.ofa.model;

import java.util.Arrays;

/** A dense row-major float32 array with its shape: what flows between the graphs and the Java side. */
public record Floats(float[] data, long[] shape) {
    public Floats {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("Shape " + Arrays.toString(shape) + " needs " + n
                    + " values, got " + data.length);
        }
    }

    public long dim(int axis) {
        return shape[axis];
    }

    /** Rows of axis 0 gathered in the given order (beam reordering, expanding a batch to its beams). */
    public Floats gatherRows(int[] rows) {
        int rowSize = shape[0] == 0 ? 0 : data.length / (int) shape[0];
        float[] out = new float[rows.length * rowSize];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(data, rows[i] * rowSize, out, i * rowSize, rowSize);
        }
        long[] s = shape.clone();
        s[0] = rows.length;
        return new Floats(out, s);
    }

    @Override
    public String toString() {
        return "Floats" + Arrays.toString(shape);
    }
}
