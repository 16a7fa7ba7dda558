package ai.ofa.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the tests find their data. The converted packages and PyTorch goldens are built by
 * {@code python3 -m ofa_export.fixtures} (Maven runs it before the tests); a missing folder is a failure, not a skip.
 */
public final class Fixtures {
    private Fixtures() {
    }

    public static Path projectRoot() {
        String root = System.getProperty("ofa.project.root");
        Path p = root != null ? Path.of(root) : Path.of("").toAbsolutePath().getParent();
        if (!Files.isDirectory(p.resolve("testdata"))) {
            throw new IllegalStateException("Project root not found (no testdata/ under " + p + ")");
        }
        return p;
    }

    /** The reference fixture folder; OFA_REFERENCE_FIXTURE points the suite at another one of the same layout. */
    public static Path referenceFixture() {
        String env = System.getenv("OFA_REFERENCE_FIXTURE");
        return env != null && !env.isEmpty() ? Path.of(env) : projectRoot().resolve("testdata/ofa-reference");
    }

    public static Path built(String relative) {
        String dir = System.getProperty("ofa.fixtures.dir");
        Path base = dir != null ? Path.of(dir) : projectRoot().resolve("ofa-udf/target/fixtures");
        Path p = base.resolve(relative);
        if (!Files.exists(p)) {
            throw new IllegalStateException("Test fixture " + p + " is missing: run `python3 -m ofa_export.fixtures "
                    + "--output " + base + "` (Maven does this in generate-test-resources)");
        }
        return p;
    }
}
