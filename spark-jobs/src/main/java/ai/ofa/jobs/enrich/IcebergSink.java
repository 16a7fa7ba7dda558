package ai.ofa.jobs.enrich;

import org.apache.hadoop.fs.Path;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.spark.Spark3Util;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An Iceberg table through Iceberg's own Spark runtime ({@code --output-table CATALOG.DB.TABLE}). Each unit is one
 * append, one snapshot, whose summary carries {@code ofa.checkpoint} and {@code ofa.batch-id}: a batch replayed
 * after a crash between the append and Spark's commit log finds its snapshot and is not appended again. An append
 * is atomic (Iceberg's commit), so readers never see part of a unit. Catalog {@code lake}, when not configured,
 * is a Hadoop catalog (no server) with its warehouse under {@code build/warehouse} of the project (under
 * {@code ./ofa}), else under {@code OUTPUT/_warehouse}.
 *
 * <pre>{@code --output-table lake.db.captions --conf spark.sql.catalog.lake.warehouse=s3a://lake/warehouse}</pre>
 */
final class IcebergSink implements LakeSink {
    static final String BATCH_PROPERTY = "ofa.batch-id";
    static final String RUN_PROPERTY = "ofa.run-id";
    static final String CHECKPOINT_PROPERTY = "ofa.checkpoint";

    private final SparkSession spark;
    private final String table;
    private final String checkpoint;
    private final int maxRowsPerFile;

    private IcebergSink(SparkSession spark, String table, String checkpoint, int maxRowsPerFile) {
        this.spark = spark;
        this.table = table;
        this.checkpoint = checkpoint;
        this.maxRowsPerFile = maxRowsPerFile;
    }

    /** The table, created with {@code schema} if new; an existing one must have it (checked before any work). */
    static IcebergSink open(SparkSession spark, EnrichOptions o, Path out, StructType schema) {
        String name = o.outputTable();
        String[] parts = name.split("\\.");
        if (parts.length != 3 || List.of(parts).stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("--output-table " + name + " is not CATALOG.DB.TABLE (e.g. "
                    + "lake.db.enriched)");
        }
        String catalogKey = "spark.sql.catalog." + parts[0];
        if (spark.conf().getOption(catalogKey).isEmpty()) {
            if (!parts[0].equals("lake")) {
                throw new IllegalArgumentException("--output-table " + name + ": catalog '" + parts[0] + "' is not "
                        + "configured; set " + catalogKey + "=org.apache.iceberg.spark.SparkCatalog and its "
                        + catalogKey + ".type / .warehouse, or use the catalog 'lake' (a local Hadoop catalog)");
            }
            String home = System.getProperty("ofa.home");
            String warehouse = home != null ? java.nio.file.Path.of(home, "build", "warehouse").toUri().toString()
                    : new Path(out, "_warehouse").toString();
            spark.conf().set(catalogKey, "org.apache.iceberg.spark.SparkCatalog");
            spark.conf().set(catalogKey + ".type", "hadoop");
            spark.conf().set(catalogKey + ".warehouse", warehouse);
        }
        if (spark.catalog().tableExists(name)) {
            check(name, spark.table(name).schema(), schema);
        } else {
            // all columns optional: a struct the stages declare required may still be written as nullable
            spark.sql("CREATE TABLE " + name + " (" + ((StructType) schema.asNullable()).toDDL() + ") USING iceberg");
        }
        return new IcebergSink(spark, name, new Path(out, "_checkpoint").toString(), o.maxRowsPerFile());
    }

    /** Every column the job writes must be in the table with the same type; extra nullable columns are fine. */
    static void check(String name, StructType table, StructType job) {
        List<String> problems = new ArrayList<>();
        for (StructField f : job.fields()) {
            if (!List.of(table.fieldNames()).contains(f.name())) {
                problems.add("column '" + f.name() + "' (" + f.dataType().simpleString() + ") is missing");
            } else if (!sameType(table.apply(f.name()).dataType(), f.dataType())) {
                problems.add("column '" + f.name() + "' is " + table.apply(f.name()).dataType().simpleString()
                        + ", the job writes " + f.dataType().simpleString());
            }
        }
        for (StructField f : table.fields()) {
            if (!List.of(job.fieldNames()).contains(f.name()) && !f.nullable()) {
                problems.add("required column '" + f.name() + "' is not written by the job");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("--output-table " + name + " exists with another schema: "
                    + String.join("; ", problems) + ". Write to a new table, or alter this one");
        }
    }

    /** Types equal up to nullability (Iceberg may keep a column optional that the job declares required). */
    private static boolean sameType(org.apache.spark.sql.types.DataType a, org.apache.spark.sql.types.DataType b) {
        return a.asNullable().equals(b.asNullable());
    }

    private Table iceberg() {
        try {
            Table t = Spark3Util.loadIcebergTable(spark, table);
            t.refresh();
            return t;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot load Iceberg table " + table + ": " + e.getMessage(), e);
        }
    }

    /** The table's snapshots written by this output's checkpoint, oldest first. */
    List<Snapshot> ours() {
        List<Snapshot> out = new ArrayList<>();
        for (Snapshot s : iceberg().snapshots()) {
            if (checkpoint.equals(s.summary().get(CHECKPOINT_PROPERTY))) {
                out.add(s);
            }
        }
        return out;
    }

    @Override
    public boolean completed(long batchId) {
        for (Snapshot s : ours()) {
            if (String.valueOf(batchId).equals(s.summary().get(BATCH_PROPERTY))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Written write(long batchId, String runId, Dataset<Row> rows, EnrichOptions o) {
        Dataset<Row> kept = rows.persist(StorageLevel.MEMORY_AND_DISK());
        try {
            Written w = LakeSink.figures(kept, o);
            kept.repartition(LakeSink.fileCount(w.rows(), maxRowsPerFile)).writeTo(table)
                    .option("snapshot-property." + BATCH_PROPERTY, String.valueOf(batchId))
                    .option("snapshot-property." + RUN_PROPERTY, runId)
                    .option("snapshot-property." + CHECKPOINT_PROPERTY, checkpoint)
                    .append();
            CrashPoint.at("published", batchId);
            return w;
        } catch (org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
            throw new IllegalStateException("Iceberg table " + table + " vanished: " + e.getMessage(), e);
        } finally {
            kept.unpersist();
        }
    }

    static Map<String, String> summary(Snapshot s) {
        return s.summary();
    }
}
