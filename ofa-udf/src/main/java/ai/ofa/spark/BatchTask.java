package ai.ofa.spark;

import ai.ofa.model.OfaModel;
import ai.ofa.task.OfaResult;
import ai.ofa.task.Outcome;
import org.apache.spark.sql.Row;

import java.io.Serializable;
import java.util.List;

/** One OFA task over a batch of input rows: built on the driver from param values, run on executors. */
@FunctionalInterface
public interface BatchTask extends Serializable {
    List<Outcome<OfaResult>> run(OfaModel model, List<byte[]> images, List<Row> rows);
}
