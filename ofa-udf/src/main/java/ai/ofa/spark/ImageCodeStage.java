package ai.ofa.spark;

import ai.ofa.model.OfaModel;
import ai.ofa.model.VqganModel;
import ai.ofa.task.VqganLocator;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Base of the image-code stages ({@link OfaImageGenerator}, {@link OfaImageCoder}): params, schema checks before
 * any data moves, and the batched per-partition run with one OFA model and one VQGAN model per executor JVM
 * ({@link ModelRegistry}). The VQGAN is {@code vqganPath}, or the one inside the OFA package.
 */
public abstract class ImageCodeStage extends Transformer implements DefaultParamsWritable, ReportsProgress {
    private final String uid;
    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> modelPath;
    private final Param<String> vqganPath;
    private final Param<String> device;
    private final IntParam batchSize;
    private final IntParam threads;
    private transient org.apache.spark.util.LongAccumulator rowsDone;
    private transient org.apache.spark.util.LongAccumulator errorCount;

    /** One batch of input values (the input column of each row) -> one result struct per value. */
    @FunctionalInterface
    interface Work extends Serializable {
        List<Row> run(OfaModel model, VqganModel vqgan, List<Object> inputs);
    }

    protected ImageCodeStage(String uid) {
        this.uid = uid;
        inputCol = new Param<>(this, "inputCol", "input column");
        outputCol = new Param<>(this, "outputCol", "struct column to write the result to");
        modelPath = new Param<>(this, "modelPath", "OFA model package: folder or .zip, local, shipped with --files, "
                + "or a Hadoop path (file, hdfs, s3a)");
        vqganPath = new Param<>(this, "vqganPath", "VQGAN package (./ofa convert-vqgan); default: the one inside "
                + "the OFA package");
        device = new Param<>(this, "device", "cpu | gpu | auto: gpu uses the CUDA device Spark granted the task",
                (String v) -> {
                    try {
                        SparkDevice.parse(v);
                        return true;
                    } catch (IllegalArgumentException e) {
                        return false;
                    }
                });
        batchSize = new IntParam(this, "batchSize", "rows per model call (> 0)", ParamValidators.gt(0));
        threads = new IntParam(this, "threads", "ONNX Runtime intra-op threads per model (> 0)", ParamValidators.gt(0));
        setDefault(inputCol, defaultInputCol());
        setDefault(outputCol, defaultOutputCol());
        setDefault(device, "cpu");
        setDefault(batchSize, 4);
        setDefault(threads, 1);
    }

    protected abstract String defaultInputCol();

    protected abstract String defaultOutputCol();

    protected abstract DataType inputType();

    protected abstract StructType resultType();

    /** Whether the stage runs the OFA model (the coder needs only the VQGAN). */
    protected abstract boolean needsOfaModel();

    /** The executor-side work, from param values copied to locals. */
    protected abstract Work work();

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> inputCol() {
        return inputCol;
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public Param<String> modelPath() {
        return modelPath;
    }

    public Param<String> vqganPath() {
        return vqganPath;
    }

    public Param<String> device() {
        return device;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public IntParam threads() {
        return threads;
    }

    public ImageCodeStage setInputCol(String v) {
        set(inputCol, v);
        return this;
    }

    public ImageCodeStage setOutputCol(String v) {
        set(outputCol, v);
        return this;
    }

    public ImageCodeStage setModelPath(String v) {
        set(modelPath, v);
        return this;
    }

    public ImageCodeStage setVqganPath(String v) {
        set(vqganPath, v);
        return this;
    }

    public ImageCodeStage setDevice(String v) {
        set(device, v);
        return this;
    }

    public ImageCodeStage setBatchSize(int v) {
        set(batchSize, v);
        return this;
    }

    public ImageCodeStage setThreads(int v) {
        set(threads, v);
        return this;
    }

    /**
     * Counts rows done and rows with an error into these accumulators while the stage runs (a job's progress, and
     * the Spark UI). Like every accumulator updated in a transformation, a retried task counts its rows again.
     */
    @Override
    public ImageCodeStage setProgress(org.apache.spark.util.LongAccumulator rows,
                                      org.apache.spark.util.LongAccumulator errors) {
        this.rowsDone = rows;
        this.errorCount = errors;
        return this;
    }

    protected <T> T value(Param<T> p) {
        return getOrDefault(p);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        String name = getClass().getSimpleName();
        if (needsOfaModel() && !isDefined(modelPath)) {
            throw new IllegalArgumentException(name + ": modelPath is not set (setModelPath)");
        }
        if (!needsOfaModel() && !isDefined(vqganPath) && !isDefined(modelPath)) {
            throw new IllegalArgumentException(name + ": vqganPath is not set (setVqganPath: a package made by "
                    + "./ofa convert-vqgan; or setModelPath: an OFA package that contains one)");
        }
        OfaTransformer.requireColumn(schema, value(inputCol), inputType(), "inputCol");
        String out = value(outputCol);
        if (Arrays.asList(schema.fieldNames()).contains(out)) {
            throw new IllegalArgumentException(name + ": output column '" + out + "' already exists in the input; "
                    + "choose another with setOutputCol");
        }
        return schema.add(new StructField(out, resultType(), false, Metadata.empty()));
    }

    /**
     * On the driver, before any work: the packages the executors will load exist and fit together (the OFA
     * package's image-code graphs, a VQGAN given or inside it, the same number of codes). Opens the manifests and
     * fetches remote packages once; loads no model. A problem is a {@link ai.ofa.model.ModelPackageException}
     * naming the package and what to do.
     */
    public void checkPackages() {
        boolean loadOfa = needsOfaModel() || !isDefined(vqganPath);
        ai.ofa.model.ModelPackage ofa = loadOfa ? ai.ofa.model.ModelPackage.open(ModelRegistry.local(value(modelPath)))
                : null;
        if (needsOfaModel()) {
            ofa.requireImageCodeGraphs();
        }
        java.nio.file.Path explicit = isDefined(vqganPath) ? ModelRegistry.local(value(vqganPath)) : null;
        ai.ofa.model.VqganPackage vq = ai.ofa.model.VqganPackage.open(ofa == null ? explicit
                : VqganLocator.packagePath(ofa, explicit));
        if (ofa != null) {
            VqganLocator.check(ofa, vq);
        }
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        // without vqganPath, the VQGAN is the one inside the OFA package, which is then loaded to find it
        boolean loadOfa = needsOfaModel() || !isDefined(vqganPath);
        Partition fn = new Partition(loadOfa ? value(modelPath) : null,
                isDefined(vqganPath) ? value(vqganPath) : null, SparkDevice.parse(value(device)),
                (Integer) value(threads), (Integer) value(batchSize), dataset.schema().fieldIndex(value(inputCol)),
                work(), resultType().fieldIndex("status"), rowsDone, errorCount);
        return dataset.toDF().mapPartitions(fn, Encoders.row(out));
    }

    @Override
    public Transformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /** Streams a partition in batches: each output row is the input row plus the result struct. */
    static final class Partition implements MapPartitionsFunction<Row, Row> {
        private final String modelPath;
        private final String vqganPath;
        private final SparkDevice.Mode device;
        private final int threads;
        private final int batchSize;
        private final int inputIndex;
        private final Work work;
        private final int statusIndex;
        private final org.apache.spark.util.LongAccumulator rowsDone;
        private final org.apache.spark.util.LongAccumulator errors;

        Partition(String modelPath, String vqganPath, SparkDevice.Mode device, int threads, int batchSize,
                  int inputIndex, Work work, int statusIndex, org.apache.spark.util.LongAccumulator rowsDone,
                  org.apache.spark.util.LongAccumulator errors) {
            this.modelPath = modelPath;
            this.vqganPath = vqganPath;
            this.device = device;
            this.threads = threads;
            this.batchSize = batchSize;
            this.inputIndex = inputIndex;
            this.work = work;
            this.statusIndex = statusIndex;
            this.rowsDone = rowsDone;
            this.errors = errors;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> input) {
            if (!input.hasNext()) {
                return Collections.emptyIterator();
            }
            ai.ofa.model.Device d = SparkDevice.resolve(device);
            OfaModel model = modelPath == null ? null : ModelRegistry.get(modelPath, d, threads);
            VqganModel vqgan = vqganPath != null ? ModelRegistry.getVqgan(vqganPath, d, threads)
                    : VqganLocator.forModel(model, null, ModelRegistry.settings(d, threads));
            if (model != null) {
                VqganLocator.check(model, vqgan);
            }
            return new Iterator<>() {
                private Iterator<Row> current = Collections.emptyIterator();

                @Override
                public boolean hasNext() {
                    if (current.hasNext()) {
                        return true;
                    }
                    if (!input.hasNext()) {
                        return false;
                    }
                    current = nextBatch().iterator();
                    return current.hasNext();
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    return current.next();
                }

                private List<Row> nextBatch() {
                    List<Row> rows = new ArrayList<>(batchSize);
                    List<Object> values = new ArrayList<>(batchSize);
                    while (input.hasNext() && rows.size() < batchSize) {
                        Row r = input.next();
                        rows.add(r);
                        values.add(r.isNullAt(inputIndex) ? null : r.get(inputIndex));
                    }
                    List<Row> results = work.run(model, vqgan, values);
                    if (rowsDone != null) {
                        rowsDone.add(rows.size());
                    }
                    if (errors != null) {
                        errors.add(results.stream().filter(r -> !"ok".equals(r.get(statusIndex))).count());
                    }
                    List<Row> out = new ArrayList<>(rows.size());
                    for (int i = 0; i < rows.size(); i++) {
                        Row in = rows.get(i);
                        Object[] v = new Object[in.size() + 1];
                        for (int c = 0; c < in.size(); c++) {
                            v[c] = in.get(c);
                        }
                        v[in.size()] = results.get(i);
                        out.add(RowFactory.create(v));
                    }
                    return out;
                }
            };
        }
    }
}
