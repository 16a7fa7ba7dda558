package ai.ofa.model;

/**
 * ONNX Runtime session options the user may set. Intra-op threads default to 1 because Spark already runs one
 * task per core; a local CLI run may raise it.
 *
 * <pre>{@code new SessionSettings(Device.CPU, 2, Optimization.ALL)}</pre>
 */
public record SessionSettings(Device device, int intraOpThreads, Optimization optimization) {
    public enum Optimization { NONE, BASIC, EXTENDED, ALL }

    public static final SessionSettings DEFAULT = new SessionSettings(Device.CPU, 1, Optimization.ALL);

    public SessionSettings {
        if (intraOpThreads < 1) {
            throw new IllegalArgumentException("intraOpThreads must be >= 1, got " + intraOpThreads);
        }
    }

    public SessionSettings withDevice(Device d) {
        return new SessionSettings(d, intraOpThreads, optimization);
    }

    public SessionSettings withThreads(int threads) {
        return new SessionSettings(device, threads, optimization);
    }
}
