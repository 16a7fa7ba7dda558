package ai.ofa.testing;

import ai.ofa.model.Bools;
import ai.ofa.model.Floats;
import ai.ofa.model.Longs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads NumPy {@code .npy} files (v1/v2, little-endian f4, i8, b1, C order): the goldens PyTorch writes. */
public final class Npy {
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']+)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order':\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    public static Object read(Path path) {
        try {
            ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
            if (buf.get() != (byte) 0x93 || buf.get() != 'N') {
                throw new IllegalArgumentException("Not an .npy file: " + path);
            }
            buf.position(6);
            int major = buf.get();
            buf.get();
            int headerLen = major == 1 ? Short.toUnsignedInt(buf.getShort()) : buf.getInt();
            byte[] header = new byte[headerLen];
            buf.get(header);
            String h = new String(header, StandardCharsets.ISO_8859_1);
            String descr = match(DESCR, h, path);
            if (match(ORDER, h, path).equals("True")) {
                throw new IllegalArgumentException("Fortran-ordered .npy not supported: " + path);
            }
            String dims = match(SHAPE, h, path).trim();
            long[] shape = dims.isEmpty() ? new long[0]
                    : java.util.Arrays.stream(dims.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                    .mapToLong(Long::parseLong).toArray();
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            switch (descr) {
                case "<f4" -> {
                    float[] data = new float[(int) n];
                    buf.asFloatBuffer().get(data);
                    return new Floats(data, shape);
                }
                case "<i8" -> {
                    long[] data = new long[(int) n];
                    buf.asLongBuffer().get(data);
                    return new Longs(data, shape);
                }
                case "|b1" -> {
                    boolean[] data = new boolean[(int) n];
                    for (int i = 0; i < n; i++) {
                        data[i] = buf.get() != 0;
                    }
                    return new Bools(data, shape);
                }
                default -> throw new IllegalArgumentException("Unsupported dtype " + descr + " in " + path);
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    public static Floats floats(Path path) {
        return (Floats) read(path);
    }

    private static String match(Pattern p, String header, Path path) {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new IllegalArgumentException("Bad .npy header in " + path + ": " + header);
        }
        return m.group(1);
    }
}
