package ai.ofa.jobs;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;

/**
 * What every job's {@code main} shares: its options parsed by picocli into a command object (help with defaults,
 * usage mistakes exit 2 naming the option, failures exit 1 naming the job; the same rules as {@code ./ofa}'s
 * inference commands), and the Spark session, local unless a master is given or spark-submit set one.
 *
 * <pre>{@code public static void main(String[] args) { JobCli.exit(new ReportJob.Cli(), args); }}</pre>
 */
public final class JobCli {
    private JobCli() {
    }

    /** Runs the command as a main does, then exits with its code. */
    public static void exit(Object command, String[] args) {
        System.exit(ai.ofa.cli.OfaCli.commandLine(command).execute(args));
    }

    /**
     * Parses {@code args} into {@code command}'s fields (for tests and tools that build a job's options from
     * arguments); a usage mistake is an IllegalArgumentException with picocli's message.
     */
    public static <T> T parse(T command, String... args) {
        try {
            new CommandLine(command).parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return command;
    }

    /** The job's session: on {@code master} when given, else spark-submit's, else {@code local[*]}. */
    public static SparkSession session(String appName, String master) {
        SparkSession.Builder b = SparkSession.builder().appName(appName);
        if (master != null) {
            b.master(master);
        } else if (System.getProperty("spark.master") == null) {
            b.master("local[*]");   // not under spark-submit: a local run
        }
        return b.getOrCreate();
    }
}
