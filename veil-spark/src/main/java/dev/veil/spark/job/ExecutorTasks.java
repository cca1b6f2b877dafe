package dev.veil.spark.job;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;
import scala.jdk.javaapi.CollectionConverters;

/**
 * One task per executor: an RDD of one partition per executor id, each preferring that executor (Spark's
 * {@code executor_<host>_<id>} location), for the job's attestation and closing stages. A preference is not a promise:
 * a task may run elsewhere, so each stage's task answers the executor it ran on.
 */
final class ExecutorTasks {
    private ExecutorTasks() {
    }

    /** {@code hostOfExecutor}: executor id to its host, or to null for no preference (the driver of a local master). */
    static JavaRDD<String> onEach(JavaSparkContext sc, Map<String, String> hostOfExecutor) {
        List<Tuple2<String, scala.collection.immutable.Seq<String>>> tasks = new ArrayList<>();
        hostOfExecutor.forEach((executor, host) -> tasks.add(new Tuple2<>(executor, CollectionConverters.asScala(
                host == null ? List.<String>of() : List.of("executor_" + host + "_" + executor)).toList())));
        var rdd = sc.sc().makeRDD(CollectionConverters.asScala(tasks).toSeq(), scala.reflect.ClassTag$.MODULE$.apply(String.class));
        return new JavaRDD<>(rdd, scala.reflect.ClassTag$.MODULE$.apply(String.class));
    }
}
