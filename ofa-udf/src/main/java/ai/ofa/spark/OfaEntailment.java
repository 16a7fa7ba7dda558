package ai.ofa.spark;

import ai.ofa.task.Entailment;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.StructType;

import java.util.List;

/** Visual entailment: yes / no / maybe for a hypothesis column, with an optional premise column. */
public class OfaEntailment extends OfaTransformer {
    private final Param<String> hypothesisCol = new Param<>(this, "hypothesisCol", "string column of hypotheses");
    private final Param<String> premiseCol = new Param<>(this, "premiseCol",
            "optional string column of text premises (empty name: none)");

    public OfaEntailment() {
        this(Identifiable.randomUID("ofaEntailment"));
    }

    public OfaEntailment(String uid) {
        super(uid);
        setDefault(hypothesisCol, "hypothesis");
        setDefault(premiseCol, "");
    }

    public Param<String> hypothesisCol() {
        return hypothesisCol;
    }

    public Param<String> premiseCol() {
        return premiseCol;
    }

    public OfaEntailment setHypothesisCol(String v) {
        set(hypothesisCol, v);
        return this;
    }

    public OfaEntailment setPremiseCol(String v) {
        set(premiseCol, v);
        return this;
    }

    @Override
    protected String defaultOutputCol() {
        return "entailment";
    }

    @Override
    protected List<Param<String>> textColParams() {
        return value(premiseCol).isEmpty() ? List.of(hypothesisCol) : List.of(hypothesisCol, premiseCol);
    }

    @Override
    protected BatchTask batchTask(StructType schema) {
        final int h = schema.fieldIndex(value(hypothesisCol));
        final int p = value(premiseCol).isEmpty() ? -1 : schema.fieldIndex(value(premiseCol));
        return (model, images, rows) ->
                new Entailment(model).run(images, strings(rows, h), p < 0 ? null : strings(rows, p));
    }


    public static MLReader<OfaEntailment> read() {
        return new DefaultParamsReader<>();
    }

    public static OfaEntailment load(String path) {
        return read().load(path);
    }
}
