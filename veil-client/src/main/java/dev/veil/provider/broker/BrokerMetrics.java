package dev.veil.provider.broker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * The broker's {@code /metrics} (Prometheus text, through Micrometer as the serving enclave's): requests by route and
 * status, refusals by fixed reason, releases, data-key operations and instances released to per contract. Labels
 * are fixed words and contract hashes, never anything a caller chose.
 */
public final class BrokerMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter releases = Counter.builder("veil_broker_releases").description("keys released (or admissions)")
            .register(registry);

    /**
     * Meters by route and status, and by release step, looked up once: Micrometer otherwise builds and hashes a new
     * meter id on every request (a few percent of the broker's samples in a profile of {@code ./bench broker}).
     */
    private static final int MAX_CACHED_TIMERS = 256;
    private final Map<String, Timer> requests = new ConcurrentHashMap<>();
    private final Map<String, Counter[]> steps = new ConcurrentHashMap<>();

    void release() {
        releases.increment();
    }

    /** One step of a release ({@link ReleaseSteps}): a fixed word, its thread's CPU time and its wall time. */
    void releaseStep(String step, long cpuNanos, long wallNanos) {
        Counter[] c = steps.computeIfAbsent(step, k -> new Counter[] {
                registry.counter("veil_broker_release_step_cpu_seconds", "step", k),
                registry.counter("veil_broker_release_step_wall_seconds", "step", k)});
        c[0].increment(cpuNanos / 1e9);
        c[1].increment(wallNanos / 1e9);
    }

    void dataKey(String operation) {
        registry.counter("veil_broker_data_keys", "operation", operation).increment();
    }

    void refusal(BrokerRefusal.Reason reason) {
        registry.counter("veil_broker_refusals", "reason", reason.id()).increment();
    }

    void request(String route, int status, long nanos) {
        String key = route + " " + status;
        Timer t = requests.get(key);
        if (t == null) {
            t = Timer.builder("veil_broker_requests").tag("route", route).tag("status", Integer.toString(status)).register(registry);
            if (requests.size() < MAX_CACHED_TIMERS) {   // the routes and statuses are few; never let the cache grow past them
                requests.put(key, t);
            }
        }
        t.record(Duration.ofNanos(nanos));
    }

    void instances(String contractHex, IntSupplier count) {
        Gauge.builder("veil_broker_instances", count::getAsInt).tag("contract", contractHex)
                .description("instances released to under the contract").register(registry);
    }

    public String scrape() {
        return registry.scrape();
    }
}
