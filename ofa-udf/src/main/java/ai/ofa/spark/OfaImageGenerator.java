package ai.ofa.spark;

import ai.ofa.generate.SamplingSettings;
import ai.ofa.task.GeneratedImage;
import ai.ofa.task.Outcome;
import ai.ofa.task.TextToImage;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Text-to-image over a string column of captions ({@link TextToImage}: 1024 codes sampled as OFA's reference does,
 * decoded by the VQGAN to a 256 px PNG). A null or blank caption is an error of its row. Each row's samples depend
 * only on its caption and the seed, not on its batch.
 *
 * <pre>{@code
 * Dataset<Row> out = new OfaImageGenerator().setSamples(4).setSeed(7).setModelPath("s3a://models/ofa-image-gen")
 *         .setInputCol("caption").transform(captions);   // generated.png, generated.codes, generated.status, ...
 * }</pre>
 */
public class OfaImageGenerator extends ImageCodeStage {
    private final IntParam topK;
    private final DoubleParam topP;
    private final DoubleParam temperature;
    private final IntParam samples;
    private final LongParam seed;

    public OfaImageGenerator() {
        this(Identifiable.randomUID("ofaImageGenerator"));
    }

    public OfaImageGenerator(String uid) {
        super(uid);
        topK = new IntParam(this, "topK", "sample among the k most likely codes (0: all; 1: greedy)",
                ParamValidators.gtEq(0));
        topP = new DoubleParam(this, "topP", "sample among the most likely codes reaching probability p (0: off; "
                + "takes precedence over topK)", ParamValidators.inRange(0, 1));
        temperature = new DoubleParam(this, "temperature", "logits divided by this (> 0)", ParamValidators.gt(0));
        samples = new IntParam(this, "samples", "sequences drawn per caption, ranked by log-prob (> 0)",
                ParamValidators.gt(0));
        seed = new LongParam(this, "seed", "seed of every draw");
        SamplingSettings d = SamplingSettings.reference();
        setDefault(topK, d.topK());
        setDefault(topP, d.topP());
        setDefault(temperature, d.temperature());
        setDefault(samples, d.samples());
        setDefault(seed, d.seed());
    }

    @Override
    protected String defaultInputCol() {
        return "caption";
    }

    @Override
    protected String defaultOutputCol() {
        return "generated";
    }

    @Override
    protected DataType inputType() {
        return DataTypes.StringType;
    }

    @Override
    protected StructType resultType() {
        return ImageCodeSchema.GENERATED;
    }

    @Override
    protected boolean needsOfaModel() {
        return true;
    }

    public OfaImageGenerator setTopK(int v) {
        set(topK, v);
        return this;
    }

    public OfaImageGenerator setTopP(double v) {
        set(topP, v);
        return this;
    }

    public OfaImageGenerator setTemperature(double v) {
        set(temperature, v);
        return this;
    }

    public OfaImageGenerator setSamples(int v) {
        set(samples, v);
        return this;
    }

    public OfaImageGenerator setSeed(long v) {
        set(seed, v);
        return this;
    }

    public IntParam topK() {
        return topK;
    }

    public DoubleParam topP() {
        return topP;
    }

    public DoubleParam temperature() {
        return temperature;
    }

    public IntParam samples() {
        return samples;
    }

    public LongParam seed() {
        return seed;
    }

    /** The sampling settings these params describe. */
    public SamplingSettings sampling() {
        return new SamplingSettings((Integer) value(topK), (Double) value(topP), (Double) value(temperature),
                (Integer) value(samples), (Long) value(seed));
    }

    @Override
    protected Work work() {
        final SamplingSettings s = sampling();
        return (model, vqgan, inputs) -> {
            List<String> captions = new ArrayList<>();
            inputs.forEach(v -> captions.add((String) v));
            List<Outcome<GeneratedImage>> results = new TextToImage(model, vqgan, s).run(captions);
            Map<String, String> mp = model.provenance();
            Map<String, String> vp = vqgan.provenance();
            List<Row> out = new ArrayList<>();
            results.forEach(o -> out.add(ImageCodeSchema.generated(o, s.seed(), mp, vp)));
            return out;
        };
    }

    public static MLReader<OfaImageGenerator> read() {
        return new DefaultParamsReader<>();
    }

    public static OfaImageGenerator load(String path) {
        return read().load(path);
    }
}
