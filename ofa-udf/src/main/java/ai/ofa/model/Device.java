package ai.ofa.model;

/**
 * Where a model runs: the CPU, or one CUDA device by id. Parsed only at the edges (CLI, Spark params).
 *
 * <pre>{@code Device.parse("cuda:1")  // Device.cuda(1) }</pre>
 */
public record Device(Kind kind, int id) {
    public enum Kind { CPU, CUDA }

    public static final Device CPU = new Device(Kind.CPU, 0);

    public Device {
        if (id < 0) {
            throw new IllegalArgumentException("CUDA device id must be >= 0, got " + id);
        }
    }

    public static Device cuda(int id) {
        return new Device(Kind.CUDA, id);
    }

    public static Device parse(String text) {
        String t = text.trim().toLowerCase();
        if (t.equals("cpu")) {
            return CPU;
        }
        if (t.equals("cuda") || t.equals("gpu")) {
            return cuda(0);
        }
        if (t.startsWith("cuda:") || t.startsWith("gpu:")) {
            try {
                return cuda(Integer.parseInt(t.substring(t.indexOf(':') + 1)));
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("Unknown device '" + text + "', expected one of [cpu, cuda, cuda:N]");
    }

    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu" : "cuda:" + id;
    }
}
