package ai.ofa.spark;

import ai.ofa.task.Box;
import ai.ofa.task.OfaResult;
import ai.ofa.task.Outcome;
import ai.ofa.task.RegionCaptioning;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Grounded captioning ({@link RegionCaptioning}): the text of the region a box column names, in original-image
 * pixels. The box column is a struct {@code x0, y0, x1, y1} of numbers (what {@link OfaGrounder} writes, or what a
 * JSON file's {@code {"x0": 10, ...}} reads as), an array of four numbers, or a string {@code "x0,y0,x1,y1"}. A
 * null or malformed box is an error of its row.
 *
 * <pre>{@code new OfaRegionCaptioner().setBoxCol("box").setModelPath(pkg).transform(df)   // region_caption.text}</pre>
 */
public class OfaRegionCaptioner extends OfaTransformer {
    static final List<String> CORNERS = List.of("x0", "y0", "x1", "y1");
    private final Param<String> boxCol = new Param<>(this, "boxCol",
            "box column: struct x0,y0,x1,y1, array of 4 numbers, or string \"x0,y0,x1,y1\" (pixels)");

    public OfaRegionCaptioner() {
        this(Identifiable.randomUID("ofaRegionCaptioner"));
    }

    public OfaRegionCaptioner(String uid) {
        super(uid);
        setDefault(boxCol, "box");
    }

    public Param<String> boxCol() {
        return boxCol;
    }

    public OfaRegionCaptioner setBoxCol(String v) {
        set(boxCol, v);
        return this;
    }

    @Override
    protected String defaultOutputCol() {
        return "region_caption";
    }

    @Override
    protected List<Param<String>> textColParams() {
        return List.of();
    }

    @Override
    protected void checkOtherInputs(StructType schema) {
        String name = value(boxCol);
        if (!Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new IllegalArgumentException("Column '" + name + "' (boxCol) not found; available columns: "
                    + Arrays.toString(schema.fieldNames()));
        }
        DataType t = schema.apply(name).dataType();
        boolean ok = t.equals(DataTypes.StringType)
                || t instanceof ArrayType a && a.elementType() instanceof NumericType
                || t instanceof StructType s && CORNERS.stream().allMatch(c -> Arrays.asList(s.fieldNames()).contains(c)
                        && s.apply(c).dataType() instanceof NumericType);
        if (!ok) {
            throw new IllegalArgumentException("Column '" + name + "' (boxCol) has type " + t.simpleString()
                    + ", expected struct<x0,y0,x1,y1> of numbers, array<number> of 4, or a string \"x0,y0,x1,y1\"");
        }
    }

    @Override
    protected BatchTask batchTask(StructType schema) {
        final int b = schema.fieldIndex(value(boxCol));
        final String col = value(boxCol);
        return (model, images, rows) -> {
            List<Box> boxes = new ArrayList<>(rows.size());
            List<String> problems = new ArrayList<>(rows.size());
            for (Row r : rows) {
                try {
                    boxes.add(box(r.isNullAt(b) ? null : r.get(b), col));
                    problems.add(null);
                } catch (IllegalArgumentException e) {
                    boxes.add(null);
                    problems.add(e.getMessage());
                }
            }
            List<Outcome<OfaResult>> out = new RegionCaptioning(model).run(images, boxes);
            for (int i = 0; i < out.size(); i++) {
                if (problems.get(i) != null) {
                    out.set(i, Outcome.failed(problems.get(i)));
                }
            }
            return out;
        };
    }

    /** A box cell as Spark hands it over (Row, Seq or String) -> a Box; why not, naming the column. */
    static Box box(Object cell, String col) {
        if (cell == null) {
            throw new IllegalArgumentException("Box column '" + col + "' is null");
        }
        if (cell instanceof String s) {
            return Box.parse(s);
        }
        double[] v = new double[4];
        if (cell instanceof Row r) {
            for (int i = 0; i < 4; i++) {
                Object c = r.get(r.fieldIndex(CORNERS.get(i)));
                if (c == null) {
                    throw new IllegalArgumentException("Box column '" + col + "' has a null " + CORNERS.get(i));
                }
                v[i] = ((Number) c).doubleValue();
            }
        } else if (cell instanceof scala.collection.Seq<?> seq) {
            if (seq.size() != 4) {
                throw new IllegalArgumentException("Box column '" + col + "' has " + seq.size()
                        + " numbers, expected 4 (x0, y0, x1, y1)");
            }
            for (int i = 0; i < 4; i++) {
                Object c = seq.apply(i);
                if (c == null) {
                    throw new IllegalArgumentException("Box column '" + col + "' has a null " + CORNERS.get(i));
                }
                v[i] = ((Number) c).doubleValue();
            }
        } else {
            throw new IllegalArgumentException("Box column '" + col + "' holds a " + cell.getClass().getSimpleName());
        }
        return new Box(v[0], v[1], v[2], v[3]);
    }

    public static MLReader<OfaRegionCaptioner> read() {
        return new DefaultParamsReader<>();
    }

    public static OfaRegionCaptioner load(String path) {
        return read().load(path);
    }
}
