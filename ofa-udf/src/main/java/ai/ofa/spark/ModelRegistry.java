package ai.ofa.spark;

import ai.ofa.model.Device;
import ai.ofa.model.OfaModel;
import ai.ofa.model.SessionSettings;
import ai.ofa.model.VqganModel;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;
import org.apache.spark.deploy.SparkHadoopUtil;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Executor-side registry: one loaded model per (package, device, threads) per JVM, shared by every task thread,
 * loaded lazily on first use (never per row or per partition). Packages are read from a local path, a name shipped
 * with {@code --files}/{@code --archives}, or any Hadoop path (file, hdfs, s3a), copied once to local disk.
 *
 * <pre>{@code OfaModel m = ModelRegistry.get("s3a://bucket/models/ofa-base", Device.cuda(0), 1);}</pre>
 */
public final class ModelRegistry {
    private static final Map<String, java.nio.file.Path> LOCAL = new ConcurrentHashMap<>();

    private ModelRegistry() {
    }

    public static OfaModel get(String location, Device device, int intraOpThreads) {
        java.nio.file.Path local = LOCAL.computeIfAbsent(location, ModelRegistry::localize);
        return OfaModel.shared(local, new SessionSettings(device, intraOpThreads, SessionSettings.Optimization.ALL));
    }

    /** The shared VQGAN model of a package location (same rules as {@link #get}). */
    public static VqganModel getVqgan(String location, Device device, int intraOpThreads) {
        java.nio.file.Path local = LOCAL.computeIfAbsent(location, ModelRegistry::localize);
        return VqganModel.shared(local, settings(device, intraOpThreads));
    }

    /** The local folder or file of a package location, fetched once per JVM (the driver's checks use it too). */
    public static java.nio.file.Path local(String location) {
        return LOCAL.computeIfAbsent(location, ModelRegistry::localize);
    }

    static SessionSettings settings(Device device, int intraOpThreads) {
        return new SessionSettings(device, intraOpThreads, SessionSettings.Optimization.ALL);
    }

    /** Local path of a package: as is when local, from SparkFiles when shipped, else copied from Hadoop. */
    static java.nio.file.Path localize(String location) {
        URI uri = URI.create(location.contains("://") ? location : "file:" + location);
        if ("file".equals(uri.getScheme()) || uri.getScheme() == null) {
            java.nio.file.Path p = java.nio.file.Path.of(location.startsWith("file:") ? uri.getPath() : location);
            if (Files.exists(p)) {
                return p;
            }
            if (SparkEnv.get() != null) {
                java.nio.file.Path shipped = java.nio.file.Path.of(SparkFiles.get(p.getFileName().toString()));
                if (Files.exists(shipped)) {
                    return shipped;
                }
            }
            throw new IllegalArgumentException("Model package not found: " + location
                    + " (not a local path, and not shipped with --files/--archives under that name)");
        }
        try {
            Configuration conf = SparkEnv.get() != null
                    ? SparkHadoopUtil.get().newConfiguration(SparkEnv.get().conf()) : new Configuration();
            Path src = new Path(uri);
            FileSystem fs = src.getFileSystem(conf);
            if (!fs.exists(src)) {
                throw new IllegalArgumentException("Model package not found: " + location);
            }
            java.nio.file.Path dir = Files.createTempDirectory("ofa-model-");
            fs.copyToLocalFile(false, src, new Path(dir.toUri()), true);
            java.nio.file.Path copied = dir.resolve(src.getName());
            return Files.exists(copied) ? copied : dir;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot fetch model package " + location + ": " + e.getMessage(), e);
        }
    }
}
