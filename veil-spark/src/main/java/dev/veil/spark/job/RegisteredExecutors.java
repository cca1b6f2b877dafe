package dev.veil.spark.job;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkContext;
import org.apache.spark.storage.BlockManagerId;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The executors a job's attestation stage attests: those registered with the driver when the job starts. Executors
 * register after the Spark session starts, so the driver first waits, a bounded time, for as many as the cluster was
 * asked for: {@code spark.executor.instances} when set, the N of a {@code local-cluster[N,...]} master, else one (on a
 * standalone master without {@code spark.executor.instances}, executors registering later hold no instance and fail
 * any task they are given with {@code instance_not_attested}). A local master's one executor is the driver itself.
 */
final class RegisteredExecutors {
    private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[\\s*(\\d+)\\s*,.*");
    private static final String DRIVER = "driver";

    private RegisteredExecutors() {
    }

    /** Executor id to host, once as many as expected registered or {@code limit} passed; at least one. */
    static Map<String, String> await(SparkContext sc, Duration limit) throws IOException, InterruptedException {
        if (sc.isLocal()) {
            Map<String, String> driver = new TreeMap<>();
            driver.put(DRIVER, null);   // no preference: the one executor runs every task
            return driver;
        }
        int expected = expected(sc);
        long until = System.nanoTime() + limit.toNanos();
        Map<String, String> registered = registered(sc);
        while (registered.size() < expected && System.nanoTime() < until) {
            Thread.sleep(100);
            registered = registered(sc);
        }
        if (registered.isEmpty()) {
            throw new IOException("no Spark executor registered within " + limit.toSeconds() + " s");
        }
        return registered;
    }

    private static int expected(SparkContext sc) {
        int instances = sc.conf().getInt("spark.executor.instances", 0);
        if (instances > 0) {
            return instances;
        }
        Matcher m = LOCAL_CLUSTER.matcher(sc.master());
        return m.matches() ? Integer.parseInt(m.group(1)) : 1;
    }

    /** The executors whose block managers registered with the driver's, but the driver's own. */
    private static Map<String, String> registered(SparkContext sc) {
        Map<String, String> m = new TreeMap<>();
        for (BlockManagerId id : CollectionConverters.asJava(sc.env().blockManager().master().getMemoryStatus()).keySet()) {
            if (!DRIVER.equals(id.executorId())) {
                m.put(id.executorId(), id.host());
            }
        }
        return m;
    }
}
