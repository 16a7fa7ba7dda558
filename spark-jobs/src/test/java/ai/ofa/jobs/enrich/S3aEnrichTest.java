package ai.ofa.jobs.enrich;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The enrich job with everything on {@code s3a://}: records, the images they point to, the model package and the
 * output, served by s3proxy (an in-process S3 endpoint). Spark reads the endpoint from {@code spark.hadoop.fs.s3a.*}
 * as a cluster would, so executors (and the model registry) see the same settings as the driver.
 */
class S3aEnrichTest {
    @RegisterExtension
    static final S3ProxyExtension S3 = S3ProxyExtension.builder().withCredentials("ofa-access", "ofa-secret").build();

    private SparkSession spark;

    @AfterEach
    void stop() throws java.io.IOException {
        if (spark != null) {
            spark.stop();
        }
        FileSystem.closeAll();
    }

    private SparkSession session() {
        SparkSession.getActiveSession().foreach(s -> {
            s.stop();
            return null;
        });
        URI endpoint = S3.getUri();
        return SparkSession.builder().master("local[2]").appName("enrich-s3a").config("spark.ui.enabled", "false")
                .config("spark.hadoop.fs.s3a.endpoint", endpoint.toString())
                .config("spark.hadoop.fs.s3a.endpoint.region", "us-east-1")
                .config("spark.hadoop.fs.s3a.path.style.access", "true")
                .config("spark.hadoop.fs.s3a.connection.ssl.enabled", "false")
                .config("spark.hadoop.fs.s3a.access.key", S3.getAccessKey())
                .config("spark.hadoop.fs.s3a.secret.key", S3.getSecretKey())
                .config("spark.hadoop.fs.s3a.aws.credentials.provider",
                        "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider")
                .config("spark.hadoop.fs.s3a.change.detection.mode", "none")
                .getOrCreate();
    }

    private static void createBucket(Configuration conf, String bucket) throws Exception {
        try (software.amazon.awssdk.services.s3.S3Client s3 = software.amazon.awssdk.services.s3.S3Client.builder()
                .endpointOverride(S3.getUri()).forcePathStyle(true)
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(
                                conf.get("fs.s3a.access.key"), conf.get("fs.s3a.secret.key")))).build()) {
            s3.createBucket(b -> b.bucket(bucket));
        }
    }

    private static void upload(FileSystem fs, Path local, String target) throws Exception {
        fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(local.toUri()),
                new org.apache.hadoop.fs.Path(target));
    }

    @Test
    void recordsImagesModelAndOutputAllOnS3a() throws Exception {
        spark = session();
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        createBucket(conf, "lake");
        Path root = Path.of(System.getProperty("ofa.project.root"));
        FileSystem fs = new org.apache.hadoop.fs.Path("s3a://lake/").getFileSystem(conf);
        upload(fs, root.resolve("examples/images/astronaut.png"), "s3a://lake/images/astronaut.png");
        upload(fs, root.resolve("examples/images/hubble_deep_field.jpg"), "s3a://lake/images/hubble.jpg");
        upload(fs, root.resolve("models/ofa-tiny-random"), "s3a://lake/models/ofa-tiny-random");

        byte[] png = Files.readAllBytes(root.resolve("examples/images/astronaut.png"));
        StructType bytesSchema = new StructType().add("key", DataTypes.StringType).add("image", DataTypes.BinaryType);
        spark.createDataFrame(List.of(RowFactory.create("b-png", png), RowFactory.create("b-bad", new byte[]{7})),
                bytesSchema).coalesce(1).write().parquet("s3a://lake/records/bytes");
        StructType uriSchema = new StructType().add("key", DataTypes.StringType).add("uri", DataTypes.StringType);
        spark.createDataFrame(List.of(RowFactory.create("u-png", "s3a://lake/images/astronaut.png"),
                RowFactory.create("u-jpg", "s3a://lake/images/hubble.jpg"),
                RowFactory.create("u-missing", "s3a://lake/images/nope.jpg")), uriSchema)
                .coalesce(1).write().parquet("s3a://lake/records/uris");

        EnrichJob.Summary s = EnrichJob.run(spark, EnrichOptions.parse(new String[]{
            "--input", "s3a://lake/records/bytes", "--output", "s3a://lake/enriched/bytes", "--tasks", "caption",
            "--model", "s3a://lake/models/ofa-tiny-random"}));
        assertEquals(2, s.rows());
        assertEquals(1, s.errors());
        EnrichJob.Summary u = EnrichJob.run(spark, EnrichOptions.parse(new String[]{
            "--input", "s3a://lake/records/uris", "--path-col", "uri", "--output", "s3a://lake/enriched/uris",
            "--tasks", "caption,detect", "--model", "s3a://lake/models/ofa-tiny-random"}));
        assertEquals(3, u.rows());

        Map<String, Row> byKey = new HashMap<>();
        spark.read().parquet("s3a://lake/enriched/bytes/data").select("key", "caption")
                .unionAll(spark.read().parquet("s3a://lake/enriched/uris/data").select("key", "caption")).collectAsList().forEach(r -> byKey.put(r.getString(0), r.getStruct(1)));
        assertEquals(5, byKey.size());
        for (String ok : List.of("b-png", "u-png", "u-jpg")) {
            assertEquals("ok", byKey.get(ok).getAs("status"), ok + ": " + byKey.get(ok).getAs("error"));
        }
        assertEquals(byKey.get("b-png").<String>getAs("text"), byKey.get("u-png").getAs("text"),
                "the same image read from bytes and from s3a gives the same caption");
        assertEquals("error", byKey.get("b-bad").getAs("status"));
        assertTrue(((String) byKey.get("u-missing").getAs("error")).contains("s3a://lake/images/nope.jpg"),
                (String) byKey.get("u-missing").getAs("error"));
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path("s3a://lake/enriched/uris/_checkpoint/commits/0")),
                "one unit, committed in the checkpoint on s3a");
        for (org.apache.hadoop.fs.FileStatus f : fs.listStatus(new org.apache.hadoop.fs.Path("s3a://lake/enriched/uris/data"))) {
            assertTrue(f.isFile() && f.getPath().getName().startsWith("batch-000000000000-"), "flat data/: " + f.getPath());
        }

        EnrichJob.Summary again = EnrichJob.run(spark, EnrichOptions.parse(new String[]{
            "--input", "s3a://lake/records/uris", "--path-col", "uri", "--output", "s3a://lake/enriched/uris",
            "--tasks", "caption,detect", "--model", "s3a://lake/models/ofa-tiny-random"}));
        assertEquals(0, again.files(), "a rerun on s3a skips the committed file");
        assertEquals(3, spark.read().parquet("s3a://lake/enriched/uris/data").count());

        // an Iceberg table whose Hadoop-catalog warehouse is on s3a, as a lake keeps it
        spark.conf().set("spark.sql.catalog.s3lake", "org.apache.iceberg.spark.SparkCatalog");
        spark.conf().set("spark.sql.catalog.s3lake.type", "hadoop");
        spark.conf().set("spark.sql.catalog.s3lake.warehouse", "s3a://lake/warehouse");
        String[] toTable = {"--input", "s3a://lake/records/uris", "--path-col", "uri", "--output",
            "s3a://lake/enriched/iceberg", "--output-table", "s3lake.db.captions", "--tasks", "caption",
            "--model", "s3a://lake/models/ofa-tiny-random"};
        EnrichJob.Summary t = EnrichJob.run(spark, EnrichOptions.parse(toTable));
        assertEquals(3, t.rows());
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path("s3a://lake/warehouse/db/captions/metadata")),
                "the table's metadata on s3a");
        assertEquals(1, spark.sql("SELECT * FROM s3lake.db.captions.snapshots").count(), "one unit, one snapshot");
        EnrichJob.Summary t2 = EnrichJob.run(spark, EnrichOptions.parse(toTable));
        assertEquals(0, t2.files(), "a rerun skips the committed unit");
        List<Row> table = spark.table("s3lake.db.captions").select("key", "caption.status").collectAsList();
        assertEquals(3, table.size(), "every key once in the table");
        assertEquals(3, table.stream().map(r -> r.getString(0)).distinct().count());
    }
}
