package ai.ofa.jobs.arch;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The jobs' pure parts (metrics, the report's HTML) stay free of Spark and ONNX Runtime. */
class JobsArchitectureTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("ai.ofa.jobs");

    @Test
    void metricsAreSparkFree() {
        noClasses().that().resideInAPackage("ai.ofa.jobs.evaluate.metrics..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.spark..", "ai.onnxruntime..",
                        "org.apache.hadoop..", "ai.ofa.spark..", "ai.ofa.model..")
                .check(CLASSES);
    }

    @Test
    void reportRenderingAndEvaluationCoreAreSparkFree() {
        noClasses().that().haveNameMatching("ai\\.ofa\\.jobs\\.(report\\.(HtmlReport|ReportModel|Thumbnails)"
                        + "|evaluate\\.(Evaluation|Charts|Prediction|EvalTask))(\\$.*)?")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.spark..", "ai.onnxruntime..")
                .check(CLASSES);
    }

    @Test
    void fingerprintsAndBandsAreSparkFree() {
        noClasses().that().haveNameMatching("ai\\.ofa\\.jobs\\.corpus\\.dedup\\.(Pdq|ScaledJpeg|Fingerprint|ImageHash"
                        + "|HammingBands|BandIndex|PerceptualHash|CorpusDefaults)(\\$.*)?")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.spark..", "ai.onnxruntime..",
                        "org.apache.hadoop..")
                .check(CLASSES);
    }
}
