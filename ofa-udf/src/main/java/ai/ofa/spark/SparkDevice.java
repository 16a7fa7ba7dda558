package ai.ofa.spark;

import ai.ofa.model.Device;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

import java.util.Locale;
import java.util.Map;

/**
 * The device of the running Spark task, from the resources Spark's scheduler granted it ({@code gpu} addresses
 * under {@code spark.executor.resource.gpu.amount} / {@code spark.task.resource.gpu.amount}); never a fixed id
 * from configuration. {@code gpu} without a granted GPU is an error; {@code auto} falls back to the CPU only when
 * the task was granted no GPU at all.
 */
public final class SparkDevice {
    public enum Mode { CPU, GPU, AUTO }

    private SparkDevice() {
    }

    public static Mode parse(String text) {
        try {
            return Mode.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown device '" + text + "', expected one of [cpu, gpu, auto]");
        }
    }

    /** Resolves the mode for the current task (driver-side calls, without a task, see no GPU). */
    public static Device resolve(Mode mode) {
        if (mode == Mode.CPU) {
            return Device.CPU;
        }
        TaskContext tc = TaskContext.get();
        Map<String, ResourceInformation> resources = tc == null ? Map.of() : tc.resourcesJMap();
        ResourceInformation gpu = resources.get("gpu");
        if (gpu == null || gpu.addresses().length == 0) {
            if (mode == Mode.AUTO) {
                return Device.CPU;
            }
            throw new IllegalStateException("device=gpu, but this Spark task was granted no GPU. Set "
                    + "spark.executor.resource.gpu.amount, spark.task.resource.gpu.amount (e.g. 0.25 to share a GPU "
                    + "among 4 tasks) and spark.executor.resource.gpu.discoveryScript, or use device=cpu|auto.");
        }
        String address = gpu.addresses()[0];
        try {
            return Device.cuda(Integer.parseInt(address.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalStateException("GPU address '" + address + "' granted by Spark is not a CUDA device id");
        }
    }
}
