package ai.ofa.model;

/**
 * ONNX Runtime session options the user may set. Intra-op threads default to 1 because Spark already runs one
 * task per core; a local CLI run may raise it. With more than one thread, ONNX Runtime's workers spin after each
 * run waiting for more work unless {@code spinWait} is off (the default here): the runtime calls ONNX Runtime
 * twice per decoder step with Java work in between, and spinning workers take the cores that work needs.
 *
 * <pre>{@code new SessionSettings(Device.CPU, 2, Optimization.ALL)}</pre>
 */
public record SessionSettings(Device device, int intraOpThreads, Optimization optimization, boolean spinWait) {
    public enum Optimization { NONE, BASIC, EXTENDED, ALL }

    public static final SessionSettings DEFAULT = new SessionSettings(Device.CPU, 1, Optimization.ALL);

    public SessionSettings {
        if (intraOpThreads < 1) {
            throw new IllegalArgumentException("intraOpThreads must be >= 1, got " + intraOpThreads);
        }
    }

    /** Without spin-waiting workers. */
    public SessionSettings(Device device, int intraOpThreads, Optimization optimization) {
        this(device, intraOpThreads, optimization, false);
    }

    public SessionSettings withDevice(Device d) {
        return new SessionSettings(d, intraOpThreads, optimization, spinWait);
    }

    public SessionSettings withThreads(int threads) {
        return new SessionSettings(device, threads, optimization, spinWait);
    }

    public SessionSettings withSpinWait(boolean spin) {
        return new SessionSettings(device, intraOpThreads, optimization, spin);
    }
}
