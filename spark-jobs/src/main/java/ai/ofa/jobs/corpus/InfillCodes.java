package ai.ofa.jobs.corpus;

import ai.ofa.model.ModelPackageException;
import ai.ofa.model.VqganPackage;
import ai.ofa.spark.OfaImageCoder;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Image-infilling codes computed on the executors: every kept {@code image_infilling} record whose source supplied
 * no codes gets the 256 VQGAN codes of the middle 128 x 128 of its image at 256 px, the code column of OFA's image
 * TSV ({@link ai.ofa.task.ImageCoding#middleCodes}, run by the {@link OfaImageCoder} stage: one VQGAN model per
 * executor JVM, shared by its task threads, batches of {@code vqgan.batch_size}). Codes are computed after
 * deduplication, leakage filtering and the targets, so no image is coded that the corpus then drops. An image the
 * coder cannot use (not decodable) makes its record bad, with the reason; the others are kept.
 *
 * <pre>{@code
 * InfillCodes.check(config.vqgan().get(), hadoopConf);          // on the driver, before any work
 * InfillCodes.Result r = InfillCodes.fill(corpus, config.vqgan().get());
 * }</pre>
 */
final class InfillCodes {
    /** The coder's result struct, dropped once the codes are in {@code refs}. */
    static final String COLUMN = "_infill_codes";
    /** Prefix of the bad reason of a record whose image could not be coded. */
    static final String FAILED = "image codes not computed: ";

    /**
     * Every record, those coded with their codes in {@code refs}; the coded ones alone; and (record_id, source,
     * bad_reason) of those that could not be coded.
     */
    record Result(Dataset<Row> kept, Dataset<Row> coded, Dataset<Row> failed) {
    }

    private InfillCodes() {
    }

    /**
     * Refuses a {@code vqgan.model} that is not a usable VQGAN package, naming the setting: a local folder or zip is
     * opened and checked (manifest, graphs, a codebook within OFA's 8192 codes, 8 pixels per code so that the
     * middle 128 px give 16 x 16 codes); a Hadoop URI must hold the manifest or be a zip.
     */
    static void check(CorpusConfig.Vqgan v, Configuration conf) {
        String location = v.model();
        String hint = " (vqgan.model names the VQGAN package that computes image-infilling codes; make one with "
                + "./ofa convert-vqgan --checkpoint DIR --output PKG)";
        if (!location.contains("://") || location.startsWith("file:")) {
            Path local;
            try {
                local = location.startsWith("file:") ? Path.of(URI.create(location)) : Path.of(location);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("vqgan.model = " + location + ": not a path or URI ("
                        + e.getMessage() + ")" + hint, e);
            }
            if (!Files.exists(local) && org.apache.spark.SparkEnv.get() != null) {
                // a package shipped with --files / --archives under that name (as the executors find it)
                Path shipped = Path.of(org.apache.spark.SparkFiles.get(local.getFileName().toString()));
                local = Files.exists(shipped) ? shipped : local;
            }
            VqganPackage p;
            try {
                p = VqganPackage.open(local);
            } catch (ModelPackageException e) {
                throw new IllegalArgumentException("vqgan.model = " + location + ": " + e.getMessage() + hint, e);
            }
            int middle = ai.ofa.task.ImageInfill.MIDDLE;
            if (p.numCodes() > CorpusRecords.NUM_CODES || middle % p.downsampleFactor() != 0
                    || middle / p.downsampleFactor() != CorpusRecords.INFILL_CODE_SIDE) {
                throw new IllegalArgumentException("vqgan.model = " + location + ": the package has "
                        + p.numCodes() + " codes of " + p.downsampleFactor() + " x " + p.downsampleFactor()
                        + " pixels; OFA's image TSV needs at most " + CorpusRecords.NUM_CODES + " codes of 8 x 8 "
                        + "pixels (16 x 16 codes for the middle " + middle + " px)" + hint);
            }
            return;
        }
        try {
            org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(location);
            FileSystem fs = path.getFileSystem(conf);
            boolean ok = fs.exists(path) && (fs.getFileStatus(path).isFile() ? location.toLowerCase().endsWith(".zip")
                    : fs.exists(new org.apache.hadoop.fs.Path(path, VqganPackage.MANIFEST)));
            if (!ok) {
                throw new IllegalArgumentException("vqgan.model = " + location + ": no VQGAN package there (a "
                        + "folder with " + VqganPackage.MANIFEST + ", or a .zip of one)" + hint);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("vqgan.model = " + location + ": cannot read it: " + e.getMessage()
                    + hint, e);
        }
    }

    /** Codes for the records that need them ({@code task = image_infilling}, {@code refs} null); cached. */
    static Result fill(Dataset<Row> corpus, CorpusConfig.Vqgan v) {
        Column need = functions.col("task").equalTo("image_infilling").and(functions.col("refs").isNull());
        Dataset<Row> rest = corpus.filter(functions.not(need));
        OfaImageCoder coder = new OfaImageCoder().setRegion("middle");
        coder.setVqganPath(v.model()).setBatchSize(v.batchSize()).setThreads(v.threads()).setDevice(v.device())
                .setInputCol("image").setOutputCol(COLUMN);
        // progress in the Spark UI while the images are coded
        org.apache.spark.SparkContext sc = corpus.sparkSession().sparkContext();
        coder.setProgress(sc.longAccumulator("ofa.image_codes_done"), sc.longAccumulator("ofa.image_codes_failed"));
        Dataset<Row> coded = coder.transform(corpus.filter(need)).cache();
        Column ok = functions.col(COLUMN + ".status").equalTo("ok");
        Dataset<Row> kept = coded.filter(ok).withColumn("refs", functions.array_join(functions.col(COLUMN
                + ".codes"), " ")).drop(COLUMN);
        Dataset<Row> failed = coded.filter(functions.not(ok)).select(functions.col("record_id"),
                functions.col("source"), functions.concat(functions.lit(FAILED), functions.regexp_replace(
                        functions.col(COLUMN + ".error"), ai.ofa.task.Outcome.ITEM_PREFIX, "")).as("bad_reason"));
        return new Result(rest.unionByName(kept), kept, failed);
    }
}
