package dev.veil.enclave.serving;

import dev.veil.protocol.receipt.FailureCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;

/**
 * The server's metrics in Prometheus text format. Every label value comes from a fixed vocabulary — a {@link Route}
 * label, an HTTP status class, a {@link FailureCode} or {@link Refusal} id, an {@link InferStage} label — so nothing a
 * client sends, and nothing derived from a data provider's data, can become a label (or a new time series). There is
 * no way in here for a free-form string.
 */
public final class ServingMetrics {
    /** The route label of a request whose path the server does not serve (the path itself is never recorded). */
    static final String UNKNOWN_ROUTE = "unknown";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter attestations;
    private final DistributionSummary batchRows;
    private final Timer outsideModel;
    private final java.util.Map<InferStage, Timer> stages = new java.util.EnumMap<>(InferStage.class);

    public ServingMetrics() {
        attestations = Counter.builder("veil.attestations").description("evidence handed out for a client's nonce")
                .register(registry);
        batchRows = DistributionSummary.builder("veil.batch.rows").description("rows per batch of coalesced requests, as "
                + "formed before the model runs (a failed run is not told apart)")
                .publishPercentileHistogram().register(registry);
        outsideModel = Timer.builder("veil.infer.outside_model").description("time an answered inference request spent outside "
                + "its model run and batch wait: opening, checking, logging and sealing").publishPercentileHistogram().register(registry);
        for (InferStage stage : InferStage.values()) {   // all of them from the start, so a scrape shows the whole breakdown
            stages.put(stage, Timer.builder("veil.infer.stage").description("time inference requests spent in each step in the "
                    + "enclave, by fixed stage name").tag("stage", stage.label()).register(registry));
        }
    }

    void request(Route route, int status, long nanos) {
        String label = route == null ? UNKNOWN_ROUTE : route.label();
        Counter.builder("veil.requests").description("requests answered, by route and status class")
                .tag("route", label).tag("status", statusClass(status)).register(registry).increment();
        Timer.builder("veil.request.latency").description("time from a request's arrival to its answer, by route")
                .tag("route", label).publishPercentileHistogram().register(registry).record(Duration.ofNanos(nanos));
    }

    /** The requests being worked on, read when scraped. */
    void inFlight(java.util.function.IntSupplier count) {
        io.micrometer.core.instrument.Gauge.builder("veil.requests.in_flight", count::getAsInt)
                .description("requests being worked on now (the server answers 503 above its bound)").register(registry);
    }

    /** Bytes of request bodies arriving or being worked on, read when scraped. */
    void bodyBytes(java.util.function.LongSupplier bytes) {
        io.micrometer.core.instrument.Gauge.builder("veil.request_bodies.bytes", bytes::getAsLong)
                .description("bytes of request bodies held, arriving or being worked on (the server answers 503 above its bound)")
                .register(registry);
    }

    public void attestation() {
        attestations.increment();
    }

    public void batch(int rows) {
        batchRows.record(rows);
    }

    /**
     * The time an answered inference request spent in the enclave outside its model run and its wait for a batch:
     * opening and checking it, reading its tensors, logging and sealing its answer. What confidentiality adds, per request.
     */
    void inferOutsideModel(long nanos) {
        outsideModel.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** The time one inference request spent in {@code stage}. */
    void inferStage(InferStage stage, long nanos) {
        stages.get(stage).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    public void failure(FailureCode code) {
        failure(code.id());
    }

    /** Only ids of the two fixed vocabularies reach here ({@link ServingFailure#reason()} holds one of them). */
    void failure(ServingFailure f) {
        failure(f.reason());
    }

    private void failure(String fixedId) {
        Counter.builder("veil.failures").description("refused or failed requests, by fixed reason")
                .tag("reason", fixedId).register(registry).increment();
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    private static String statusClass(int status) {
        return (status / 100) + "xx";
    }
}
