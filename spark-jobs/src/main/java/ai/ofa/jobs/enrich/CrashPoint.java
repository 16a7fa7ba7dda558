package ai.ofa.jobs.enrich;

/**
 * A test hook: {@code -Dofa.enrich.haltAt=POINT:BATCH} halts the JVM (as {@code kill -9} would) at that point of
 * that unit, e.g. {@code staged:3} (unit 3 written to the staging folder, not published) or {@code published:3}
 * (published, not yet in the checkpoint's commit log). Unset in production: a no-op.
 */
final class CrashPoint {
    static final String PROPERTY = "ofa.enrich.haltAt";

    private CrashPoint() {
    }

    static void at(String point, long batchId) {
        if ((point + ":" + batchId).equals(System.getProperty(PROPERTY))) {
            System.err.println("ofa enrich: halting at " + point + " of unit " + batchId + " (" + PROPERTY + ")");
            System.err.flush();
            Runtime.getRuntime().halt(137);
        }
    }
}
