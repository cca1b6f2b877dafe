package dev.veil.enclave.serving;

/**
 * The steps an inference request goes through in the enclave, in order: the {@code stage} label of the
 * {@code veil_infer_stage} timer. A fixed vocabulary, like {@link Route} and {@link Refusal}: nothing a client sends
 * or a model computes becomes a label. Together they break down {@code veil_infer_outside_model} (every stage but
 * {@link #WAIT_FOR_BATCH} and {@link #RUN_MODEL}, and {@link #WRITE_ANSWER}, which comes after it).
 */
public enum InferStage {
    /** HPKE: the request's encapsulation opened with the instance key. */
    OPEN_REQUEST("open_request"),
    /** The request parsed, its contract and data provider checked, its signature verified, the replay guard passed. */
    CHECK_REQUEST("check_request"),
    /** The request's {@code .npz} read into tensors, their rows checked. */
    READ_INPUTS("read_inputs"),
    /** The rows reserved against the data provider's budgets, before the model runs. */
    CHARGE_BUDGET("charge_budget"),
    /** In the coalescer's queue until the run that takes it starts (the batch wait included). */
    WAIT_FOR_BATCH("wait_for_batch"),
    /** The model run the request was part of (joined with others and split back when coalesced). */
    RUN_MODEL("run_model"),
    /** From the end of the run until the request's own thread resumes with its output. */
    RESUME_AFTER_RUN("resume_after_run"),
    /** The outputs written as the answer's {@code .npz}. */
    ENCODE_ANSWER("encode_answer"),
    /** Digests of inputs and answer, the leaf's commitments, the log append (and a tree head's signature), the receipt. */
    COMMIT_AND_LOG("commit_and_log"),
    /** The answer and its receipt sealed to the request's HPKE context (AES-GCM). */
    SEAL_ANSWER("seal_answer"),
    /** The sealed answer handed to the connection until it was written. */
    WRITE_ANSWER("write_answer");

    private final String label;

    InferStage(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
