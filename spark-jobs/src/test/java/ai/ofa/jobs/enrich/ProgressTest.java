package ai.ofa.jobs.enrich;

import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.scheduler.TaskInfo;
import org.apache.spark.scheduler.TaskLocality;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.Test;
import scala.Option;
import scala.Tuple4;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The live figures: a running task's rows come from its heartbeats, a finished task's from the accumulator, and a
 * heartbeat that arrives after its task ended (it was sent before) is not counted a second time.
 */
class ProgressTest {
    private static TaskInfo task(long id) {
        return new TaskInfo(id, 0, 0, 0, System.currentTimeMillis(), "1", "localhost", TaskLocality.PROCESS_LOCAL(),
                false);
    }

    private static SparkListenerExecutorMetricsUpdate heartbeat(long taskId, LongAccumulator acc, long value) {
        AccumulableInfo info = new AccumulableInfo(acc.id(), Option.apply(acc.name().get()), Option.apply(value),
                Option.apply(value), true, false, Option.empty());
        List<Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>>> updates = List.of(
                new Tuple4<>(taskId, 0, 0, scala.jdk.javaapi.CollectionConverters.asScala(List.of(info)).toList()));
        return new SparkListenerExecutorMetricsUpdate("1",
                scala.jdk.javaapi.CollectionConverters.asScala(updates).toList(),
                new scala.collection.mutable.HashMap<>());
    }

    @Test
    void runningTasksCountOnceAndLateHeartbeatsAreIgnored() {
        SparkSession spark = SparkSession.builder().master("local[1]").appName("progress-test")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            LongAccumulator done = spark.sparkContext().longAccumulator("ofa.task_rows_done");
            LongAccumulator failed = spark.sparkContext().longAccumulator("ofa.task_rows_failed");
            try (Progress p = new Progress(spark, done, failed, 4, 1)) {
                p.onTaskStart(new SparkListenerTaskStart(0, 0, task(7)));
                p.onExecutorMetricsUpdate(heartbeat(7, done, 5));
                assertEquals(5, p.liveDone(), "a running task's rows, from its heartbeat");
                p.onExecutorMetricsUpdate(heartbeat(7, done, 8));
                assertEquals(8, p.liveDone(), "its latest heartbeat, not the sum of them");
                done.add(10);   // the task ends: its final value merges into the accumulator
                p.onTaskEnd(new SparkListenerTaskEnd(0, 0, "ResultTask", org.apache.spark.Success$.MODULE$, task(7),
                        null, null));
                assertEquals(10, p.liveDone());
                p.onExecutorMetricsUpdate(heartbeat(7, done, 9));   // sent before the end, received after it
                assertEquals(10, p.liveDone(), "a late heartbeat of an ended task counts nothing");
                p.onExecutorMetricsUpdate(heartbeat(99, done, 3));   // a task this listener never saw start
                assertEquals(10, p.liveDone());
                p.unitDone(2);
                assertTrue(p.line().contains("2/4 files, 10 records"), p.line());
            }
        } finally {
            spark.stop();
        }
    }
}
