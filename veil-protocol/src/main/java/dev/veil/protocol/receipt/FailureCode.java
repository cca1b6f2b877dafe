package dev.veil.protocol.receipt;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Why a session failed, from a fixed vocabulary. This is all the model provider, the enclave's log and anything
 * unsealed ever learn about a failure: a code carries no text derived from the data provider's data (cells, tensor
 * values, ONNX Runtime's messages about them). The detailed reason travels only sealed to the data provider
 * ({@link dev.veil.protocol.results.FailureDetail}).
 */
public enum FailureCode {
    /** The model ran and ONNX Runtime or the output policy failed. */
    INFERENCE_FAILED("inference_failed", "the model failed on the data"),
    /** The dataset cannot be read, does not fit the model, or is not the one the contract pins. */
    DATASET_INVALID("dataset_invalid", "the dataset was refused"),
    /** The model cannot be loaded (not ONNX, external data, unsupported inputs). */
    MODEL_INVALID("model_invalid", "the model was refused"),
    /** A sealed upload does not match the released key, the expected content type or the contract's model. */
    ASSET_INVALID("asset_invalid", "an uploaded sealed asset was refused"),
    /** The model ran longer than the contract's limits.max_inference_seconds and was terminated. */
    TIMEOUT("timeout", "the model run passed the contract's time limit and was terminated"),
    /** The dataset has more rows than the contract's limits.max_rows, or an upload exceeds the enclave's size limit. */
    LIMIT_EXCEEDED("limit_exceeded", "a limit of the contract or the enclave was exceeded"),
    /** The other provider did not release its key within the party timeout. */
    PARTY_TIMEOUT("party_timeout", "the other provider did not join in time"),
    /** A provider broke the protocol or its connection after releasing its key. */
    PEER_PROTOCOL_ERROR("peer_protocol_error", "a provider broke the protocol or its connection"),
    /** The contract or the hello was refused before anyone was authenticated. */
    CONTRACT_REFUSED("contract_refused", "the contract or the hello was refused"),
    /** The session cannot be joined: used already, or the enclave holds as many sessions as it may. */
    SESSION_UNAVAILABLE("session_unavailable", "the session cannot be joined"),
    /** The enclave stopped while the session was open. */
    ENCLAVE_SHUTDOWN("enclave_shutdown", "the enclave shut down"),
    /**
     * A Spark executor that did not attest in the batch job's attestation stage, before any data was read, was given a
     * task of the job: it never attests later, so the instances of a job cannot depend on what the model did with the
     * data (a retry or a speculative copy on a new executor would otherwise be one more instance).
     */
    INSTANCE_NOT_ATTESTED("instance_not_attested", "an executor that did not attest before the data was read was given a task"),
    /**
     * A Spark executor was driven by a driver it could not tie to the attested one: the job's attestation stage carried no
     * statement of an attested driver of the contract, or the executor's Spark RPC does not authenticate its driver by the
     * certificate that statement names. The executor asks no broker.
     */
    DRIVER_NOT_ATTESTED("driver_not_attested", "the executor's driver is not the attested driver of the contract"),
    /** The enclave itself failed. */
    INTERNAL_ERROR("internal_error", "the enclave failed internally");

    private final String id;
    private final String description;

    FailureCode(String id, String description) {
        this.id = id;
        this.description = description;
    }

    @JsonValue
    public String id() {
        return id;
    }

    /** A fixed sentence for people; the same for every session, so it reveals nothing but the code. */
    public String description() {
        return description;
    }

    @JsonCreator
    public static FailureCode fromId(String id) {
        for (FailureCode c : values()) {
            if (c.id.equals(id)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown failure code '" + id + "'");
    }

    @Override
    public String toString() {
        return id;
    }
}
