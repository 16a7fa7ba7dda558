package ai.ofa.arch;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** Pure logic stays pure; ONNX Runtime is touched in one class only. */
class ArchitectureTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("ai.ofa");

    @Test
    void pureLogicImportsNeitherOnnxRuntimeNorSparkNorTheModel() {
        noClasses().that().resideInAnyPackage("ai.ofa.text..", "ai.ofa.image..", "ai.ofa.generate..")
                .should().dependOnClassesThat().resideInAnyPackage("ai.onnxruntime..", "org.apache.spark..",
                        "ai.ofa.model..", "ai.ofa.task..", "ai.ofa.spark..")
                .check(CLASSES);
    }

    @Test
    void onlyOnnxBackendTouchesOnnxRuntime() {
        noClasses().that().haveNameNotMatching("ai\\.ofa\\.model\\.OnnxBackend(\\$.*)?")
                .should().dependOnClassesThat().resideInAPackage("ai.onnxruntime..")
                .check(CLASSES);
    }

    @Test
    void tasksDoNotDependOnSpark() {
        noClasses().that().resideInAnyPackage("ai.ofa.task..", "ai.ofa.model..", "ai.ofa.cli..")
                .should().dependOnClassesThat().resideInAPackage("org.apache.spark..")
                .check(CLASSES);
    }
}
