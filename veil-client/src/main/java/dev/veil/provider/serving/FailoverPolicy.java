package dev.veil.provider.serving;

import dev.veil.protocol.serving.ServingContractVerifier;
import java.time.Duration;

/**
 * How a {@link ReplicatedServingClient} gives up on one replica for one request, and for how long it then tries the
 * other replicas first.
 *
 * @param attemptTimeout how long one attempt on one replica may take, attestation included, before the client counts
 *                       the replica as dead for this request and sends the request (sealed anew) to another
 * @param downFor        how long a replica that failed is tried only after every replica that did not
 */
public record FailoverPolicy(Duration attemptTimeout, Duration downFor) {
    /** Time on top of the contract's model-run limit for queueing, coalescing, transfer and an attestation. */
    public static final Duration MARGIN = Duration.ofSeconds(30);
    public static final Duration DEFAULT_DOWN_FOR = Duration.ofSeconds(10);

    public FailoverPolicy {
        if (attemptTimeout == null || attemptTimeout.isNegative() || attemptTimeout.isZero()) {
            throw new IllegalArgumentException("the attempt timeout must be positive");
        }
        if (downFor == null || downFor.isNegative()) {
            throw new IllegalArgumentException("the time a failed replica is tried last must not be negative");
        }
    }

    /**
     * An attempt may last the contract's {@code max_inference_seconds} plus {@link #MARGIN}: an honest replica that
     * runs the model for as long as the contract allows is never given up on.
     */
    public static FailoverPolicy forContract(ServingContractVerifier.Verified contract) {
        return new FailoverPolicy(Duration.ofSeconds(contract.contract().limits().maxInferenceSeconds()).plus(MARGIN), DEFAULT_DOWN_FOR);
    }
}
