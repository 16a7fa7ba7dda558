package ai.ofa.jobs.enrich;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class IcebergProbeTest {
    @Test
    void icebergRuntimeWorksOnThisSpark(@TempDir Path dir) {
        SparkSession spark = SparkSession.builder().master("local[2]").appName("probe")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions")
                .config("spark.sql.catalog.lake", "org.apache.iceberg.spark.SparkCatalog")
                .config("spark.sql.catalog.lake.type", "hadoop")
                .config("spark.sql.catalog.lake.warehouse", dir.toUri().toString())
                .getOrCreate();
        try {
            spark.sql("CREATE TABLE lake.db.t (k STRING, v INT) USING iceberg");
            spark.sql("INSERT INTO lake.db.t VALUES ('a', 1), ('b', 2)");
            spark.sql("INSERT INTO lake.db.t VALUES ('c', 3)");
            assertEquals(3, spark.table("lake.db.t").count());
            assertEquals(2, spark.sql("SELECT * FROM lake.db.t.snapshots").count());
        } finally {
            spark.stop();
        }
    }
}
