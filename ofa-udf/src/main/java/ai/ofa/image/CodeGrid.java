package ai.ofa.image;

import java.util.Arrays;

/**
 * An image as VQGAN codes: {@code rows x cols} codes, row-major, each in {@code [0, numCodes)}. A 256 px image is
 * 32 x 32 = 1024 codes (f8); the middle 128 x 128 of image infilling is 16 x 16. Parsing checks the count and
 * every code, and says what is allowed.
 *
 * <pre>{@code CodeGrid grid = CodeGrid.square(codes, 8192);   // 1024 codes -> 32 x 32, or a clear error}</pre>
 */
public record CodeGrid(int[] codes, int rows, int cols) {
    public CodeGrid {
        if (rows < 1 || cols < 1 || codes.length != rows * cols) {
            throw new IllegalArgumentException("A " + rows + " x " + cols + " code grid needs " + rows * cols
                    + " codes, got " + codes.length);
        }
        codes = codes.clone();
    }

    /**
     * A square grid of codes, each checked against the codebook size. The count must be a square (1024 for a 256 px
     * image: 32 x 32 codes of 8 x 8 pixels).
     */
    public static CodeGrid square(int[] codes, int numCodes) {
        int side = (int) Math.round(Math.sqrt(codes.length));
        if (codes.length == 0 || side * side != codes.length) {
            throw new IllegalArgumentException(codes.length + " codes do not form a square grid; expected a square "
                    + "number of codes, e.g. 1024 (32 x 32, a 256 px image) or 256 (16 x 16, 128 px)");
        }
        checkRange(codes, numCodes);
        return new CodeGrid(codes, side, side);
    }

    /** Exactly {@code side x side} codes, each checked against the codebook size. */
    public static CodeGrid square(int[] codes, int side, int numCodes) {
        if (codes.length != side * side) {
            throw new IllegalArgumentException("Expected " + side * side + " codes (" + side + " x " + side
                    + "), got " + codes.length);
        }
        checkRange(codes, numCodes);
        return new CodeGrid(codes, side, side);
    }

    /** Parses space- or comma-separated code numbers ("12 7 4095 ..."), as OFA's image TSV holds them. */
    public static int[] parse(String text) {
        String t = text == null ? "" : text.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("No codes given: expected space-separated integers, e.g. \"12 7 4095\"");
        }
        String[] parts = t.split("[\\s,]+");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Code " + (i + 1) + " is '" + abbreviate(parts[i])
                        + "', not an integer (codes are space-separated integers)");
            }
        }
        return out;
    }

    private static void checkRange(int[] codes, int numCodes) {
        for (int i = 0; i < codes.length; i++) {
            if (codes[i] < 0 || codes[i] >= numCodes) {
                throw new IllegalArgumentException("Code " + (i + 1) + " of " + codes.length + " is " + codes[i]
                        + ", outside the codebook [0, " + numCodes + ")");
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 20 ? s.substring(0, 20) + "..." : s;
    }

    public int size() {
        return codes.length;
    }

    @Override
    public int[] codes() {
        return codes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CodeGrid g && g.rows == rows && g.cols == cols && Arrays.equals(g.codes, codes);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(codes) + rows * 7 + cols;
    }

    @Override
    public String toString() {
        return "CodeGrid[" + rows + " x " + cols + "]";
    }
}
