package dev.veil.protocol.contract;

import dev.veil.protocol.json.MayBeAbsent;
/**
 * Bounds both providers agree on before any key moves, enforced by the enclave.
 *
 * @param datasetSha256 when set, the SHA-256 (lowercase hex) of the only dataset plaintext this contract may run on;
 *                      null accepts any dataset the data provider seals. Pinning it stops a replayed contract from
 *                      running on another dataset.
 * @param maxRows the most input rows the model may be run over in this session
 * @param maxInferenceSeconds wall-clock limit of the model run; the enclave terminates ONNX Runtime when it passes
 */
public record SessionLimits(@MayBeAbsent String datasetSha256, long maxRows, int maxInferenceSeconds) {
    /** Ten million rows and one hour: generous for one batch, yet a hostile model cannot hold the enclave forever. */
    public static final long DEFAULT_MAX_ROWS = 10_000_000L;
    public static final int DEFAULT_MAX_INFERENCE_SECONDS = 3600;

    public static SessionLimits defaults() {
        return new SessionLimits(null, DEFAULT_MAX_ROWS, DEFAULT_MAX_INFERENCE_SECONDS);
    }

    public SessionLimits withDatasetSha256(String sha256) {
        return new SessionLimits(sha256, maxRows, maxInferenceSeconds);
    }

    public SessionLimits withMaxRows(long rows) {
        return new SessionLimits(datasetSha256, rows, maxInferenceSeconds);
    }

    public SessionLimits withMaxInferenceSeconds(int seconds) {
        return new SessionLimits(datasetSha256, maxRows, seconds);
    }
}
