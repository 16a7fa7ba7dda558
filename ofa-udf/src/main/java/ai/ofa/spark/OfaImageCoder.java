package ai.ofa.spark;

import ai.ofa.image.CodeGrid;
import ai.ofa.task.ImageCoding;
import ai.ofa.task.Outcome;
import org.apache.spark.ml.param.Param;
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
 * VQGAN codes of a binary image column ({@link ImageCoding}). {@code region = whole}: the image at 256 px, 1024
 * codes; {@code region = middle}: the middle 128 x 128 of the image at 256 px, 256 codes, as OFA's image TSV holds
 * them for image infilling. Needs only the VQGAN package ({@code vqganPath}). A bad image is an error of its row.
 *
 * <pre>{@code
 * Dataset<Row> out = new OfaImageCoder().setRegion("middle").setVqganPath("s3a://models/vqgan").transform(images);
 * }</pre>
 */
public class OfaImageCoder extends ImageCodeStage {
    public static final List<String> REGIONS = List.of("whole", "middle");
    private final Param<String> region;

    public OfaImageCoder() {
        this(Identifiable.randomUID("ofaImageCoder"));
    }

    public OfaImageCoder(String uid) {
        super(uid);
        region = new Param<>(this, "region", "whole (1024 codes at 256 px) | middle (256 codes of the middle "
                + "128 x 128, image infilling's target)", (String v) -> REGIONS.contains(v));
        setDefault(region, "whole");
    }

    @Override
    protected String defaultInputCol() {
        return "image";
    }

    @Override
    protected String defaultOutputCol() {
        return "image_codes";
    }

    @Override
    protected DataType inputType() {
        return DataTypes.BinaryType;
    }

    @Override
    protected StructType resultType() {
        return ImageCodeSchema.CODES;
    }

    @Override
    protected boolean needsOfaModel() {
        return false;
    }

    public Param<String> region() {
        return region;
    }

    public OfaImageCoder setRegion(String v) {
        set(region, v);
        return this;
    }

    @Override
    protected Work work() {
        final boolean middle = value(region).equals("middle");
        return (model, vqgan, inputs) -> {
            List<byte[]> images = new ArrayList<>();
            inputs.forEach(v -> images.add((byte[]) v));
            ImageCoding coding = new ImageCoding(vqgan);
            List<Outcome<CodeGrid>> results = middle ? coding.middleCodes(images) : coding.codes(images);
            Map<String, String> vp = vqgan.provenance();
            List<Row> out = new ArrayList<>();
            results.forEach(o -> out.add(ImageCodeSchema.codes(o, vp)));
            return out;
        };
    }

    public static MLReader<OfaImageCoder> read() {
        return new DefaultParamsReader<>();
    }

    public static OfaImageCoder load(String path) {
        return read().load(path);
    }
}
