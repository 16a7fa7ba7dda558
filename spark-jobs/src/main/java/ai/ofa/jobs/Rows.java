package ai.ofa.jobs;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.util.Iterator;
import java.util.function.Function;

/**
 * Rows with computed columns added at the end, one row at a time (for {@code mapPartitions}: nothing of the
 * partition is held in memory).
 *
 * <pre>{@code df.mapPartitions(rows -> Rows.appending(rows, r -> new Object[]{read(r)}), Encoders.row(schema))}</pre>
 */
public final class Rows {
    private Rows() {
    }

    public static Iterator<Row> appending(Iterator<Row> rows, Function<Row, Object[]> extra) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Row next() {
                Row r = rows.next();
                Object[] added = extra.apply(r);
                Object[] values = new Object[r.size() + added.length];
                for (int i = 0; i < r.size(); i++) {
                    values[i] = r.get(i);
                }
                System.arraycopy(added, 0, values, r.size(), added.length);
                return RowFactory.create(values);
            }
        };
    }
}
