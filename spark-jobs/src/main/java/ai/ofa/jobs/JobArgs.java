package ai.ofa.jobs;

import org.apache.spark.sql.SparkSession;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every job's {@code main} shares: {@code --name value} arguments checked against the job's option names
 * (strings stop here; each job turns them into its typed options), and the Spark session, local unless a master is
 * given or spark-submit set one.
 *
 * <pre>{@code Map<String, String> v = JobArgs.parse(args, OPTIONS, Map.of(), List.of("input"));}</pre>
 */
public final class JobArgs {
    private JobArgs() {
    }

    public static Map<String, String> parse(String[] args, Collection<String> known, Map<String, String> defaults,
                                            List<String> required) {
        Map<String, String> v = new LinkedHashMap<>(defaults);
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("Expected --name value, got '" + args[i] + "'");
            }
            String name = args[i].substring(2);
            if (!known.contains(name)) {
                throw new IllegalArgumentException("Unknown option --" + name + ", expected one of " + known);
            }
            v.put(name, args[++i]);
        }
        for (String r : required) {
            if (!v.containsKey(r)) {
                throw new IllegalArgumentException("Missing required option --" + r);
            }
        }
        return v;
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
