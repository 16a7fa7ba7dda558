package ai.ofa.spark;

import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;
import java.util.List;

/**
 * Base of the OFA stages: the params every task shares, declared with validators and defaults in one place, the
 * schema checks made before any data moves, and the batched per-partition run. Subclasses name their extra text
 * columns and build a {@link BatchTask} from param values copied to locals (closures never capture the stage).
 */
public abstract class OfaTransformer extends Transformer implements DefaultParamsWritable, ReportsProgress {
    private final String uid;

    // created in the constructor, after the uid: a Param records its parent's uid when it is made
    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> modelPath;
    private final Param<String> device;
    private final IntParam batchSize;
    private final IntParam threads;

    // progress counters of a running job (not params: never saved with the stage)
    private transient org.apache.spark.util.LongAccumulator rowsDone;
    private transient org.apache.spark.util.LongAccumulator errorCount;

    protected OfaTransformer(String uid) {
        this.uid = uid;
        inputCol = new Param<>(this, "inputCol", "binary column of encoded images");
        outputCol = new Param<>(this, "outputCol", "struct column to write the result to");
        modelPath = new Param<>(this, "modelPath",
                "model package: folder or .zip, local, shipped with --files, or a Hadoop path (file, hdfs, s3a)");
        device = new Param<>(this, "device", "cpu | gpu | auto: gpu uses the CUDA device Spark granted the task",
                (String v) -> {
                    try {
                        SparkDevice.parse(v);
                        return true;
                    } catch (IllegalArgumentException e) {
                        return false;
                    }
                });
        batchSize = new IntParam(this, "batchSize", "images per model call (> 0)", ParamValidators.gt(0));
        threads = new IntParam(this, "threads",
                "ONNX Runtime intra-op threads per model (> 0; 1 suits one Spark task per core)", ParamValidators.gt(0));
        setDefault(inputCol, "image");
        setDefault(outputCol, defaultOutputCol());
        setDefault(device, "cpu");
        setDefault(batchSize, 8);
        setDefault(threads, 1);
    }

    protected abstract String defaultOutputCol();

    /** Text columns the task reads besides the image, as params (e.g. grounding's textCol). */
    protected abstract List<Param<String>> textColParams();

    /** Checks the task's inputs that are not string columns (e.g. region captioning's box column); none here. */
    protected void checkOtherInputs(StructType schema) {
    }

    /** The executor-side work, from param values and the input columns' indices. */
    protected abstract BatchTask batchTask(StructType schema);

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

    public Param<String> device() {
        return device;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public IntParam threads() {
        return threads;
    }

    public OfaTransformer setInputCol(String v) {
        set(inputCol, v);
        return this;
    }

    public OfaTransformer setOutputCol(String v) {
        set(outputCol, v);
        return this;
    }

    public OfaTransformer setModelPath(String v) {
        set(modelPath, v);
        return this;
    }

    public OfaTransformer setDevice(String v) {
        set(device, v);
        return this;
    }

    public OfaTransformer setBatchSize(int v) {
        set(batchSize, v);
        return this;
    }

    public OfaTransformer setThreads(int v) {
        set(threads, v);
        return this;
    }

    /** Counts rows done and rows with an error into these accumulators while the stage runs (jobs' progress). */
    @Override
    public OfaTransformer setProgress(org.apache.spark.util.LongAccumulator rows,
                                      org.apache.spark.util.LongAccumulator errors) {
        this.rowsDone = rows;
        this.errorCount = errors;
        return this;
    }

    /** One string column of a batch's rows (null where the row has null), for the task's text inputs. */
    static List<String> strings(List<Row> rows, int index) {
        List<String> out = new java.util.ArrayList<>(rows.size());
        for (Row r : rows) {
            out.add(r.isNullAt(index) ? null : r.getString(index));
        }
        return out;
    }

    protected <T> T value(Param<T> p) {
        return getOrDefault(p);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        if (!isDefined(modelPath)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": modelPath is not set (setModelPath)");
        }
        requireColumn(schema, value(inputCol), DataTypes.BinaryType, "inputCol");
        for (Param<String> p : textColParams()) {
            if (!isDefined(p)) {
                throw new IllegalArgumentException(getClass().getSimpleName() + ": " + p.name() + " is not set");
            }
            requireColumn(schema, value(p), DataTypes.StringType, p.name());
        }
        checkOtherInputs(schema);
        String out = value(outputCol);
        if (Arrays.asList(schema.fieldNames()).contains(out)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": output column '" + out
                    + "' already exists in the input; choose another with setOutputCol");
        }
        return schema.add(new StructField(out, ResultSchema.RESULT, false, org.apache.spark.sql.types.Metadata.empty()));
    }

    static void requireColumn(StructType schema, String name, DataType type, String param) {
        if (!Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new IllegalArgumentException("Column '" + name + "' (" + param + ") not found; available columns: "
                    + Arrays.toString(schema.fieldNames()));
        }
        DataType actual = schema.apply(name).dataType();
        if (!actual.equals(type)) {
            throw new IllegalArgumentException("Column '" + name + "' (" + param + ") has type " + actual.simpleString()
                    + ", expected " + type.simpleString());
        }
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        StructType in = dataset.schema();
        BatchingPartition fn = new BatchingPartition(value(modelPath), SparkDevice.parse(value(device)),
                (Integer) value(threads), (Integer) value(batchSize), in.fieldIndex(value(inputCol)), batchTask(in),
                rowsDone, errorCount);
        return dataset.toDF().mapPartitions(fn, Encoders.row(out));
    }

    @Override
    public Transformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}
