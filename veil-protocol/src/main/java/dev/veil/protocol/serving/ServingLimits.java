package dev.veil.protocol.serving;

/**
 * Bounds on one request.
 *
 * @param maxRowsPerRequest the most input rows one request may carry (a request's {@code rows})
 * @param maxInferenceSeconds wall-clock limit of the model run for one request
 */
public record ServingLimits(Integer maxRowsPerRequest, Integer maxInferenceSeconds) {
    /** One minute per request: ample for one batch of rows, and a hostile model cannot hold a thread for long. */
    public static final int DEFAULT_MAX_INFERENCE_SECONDS = 60;

    public ServingLimits {
        if (maxRowsPerRequest == null || maxInferenceSeconds == null) {
            throw new IllegalArgumentException("serving contract limits need max_rows_per_request and max_inference_seconds");
        }
    }
}
