package dev.veil.spark.job;

import dev.veil.enclave.broker.BrokerRefused;
import dev.veil.enclave.inference.InferenceException;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.provider.broker.BrokerRefusal;
import java.util.Arrays;
import org.apache.spark.TaskContext;
import org.apache.spark.TaskKilledException;

/**
 * How a partition's failure leaves an executor: Veil's fixed failure code and its fixed sentence, nothing else. Spark
 * sends a task's exception, its message, causes and stack trace included, to the driver, which writes it to its event
 * log and logs, and prints it; the executor logs it too. All of those are outside what the data provider alone reads,
 * and ONNX Runtime's text (or a check's sentence naming a shape) may quote the data provider's values: so the
 * executor's own exception is dropped here, never attached as a cause, and this one carries no stack trace either.
 *
 * <p>A broker's refusal of the instance also carries the broker's reason, when it is one of the fixed reason ids
 * (a broker never sees the data, and an id outside the fixed set is dropped): it tells the user what to change, such as
 * a contract whose {@code max_instances} are used up.
 */
public final class PartitionFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private static final String PREFIX = "veil partition failed: ";
    /** What the instance's own broker client says when it could not ask or could not read the answer. */
    private static final String[] CLIENT_REASONS = {"unreachable", "bad_answer"};
    private final String code;
    private final String brokerReason;

    public PartitionFailure(FailureCode code) {
        this(code, null);
    }

    private PartitionFailure(FailureCode code, String brokerReason) {
        super(PREFIX + code.id() + " (" + code.description() + ")" + (brokerReason == null ? "" : ": broker " + brokerReason),
                null, false, false);
        this.code = code.id();
        this.brokerReason = brokerReason;
    }

    /** A broker refused the instance: {@link FailureCode#CONTRACT_REFUSED} with the broker's fixed reason id. */
    public static PartitionFailure refusedBy(BrokerRefused e) {
        return new PartitionFailure(FailureCode.CONTRACT_REFUSED, fixedReason(e.reason()));
    }

    /**
     * What leaves an executor's task for {@code e}, whatever it was: Spark's kill of the task as Spark's own; an
     * inference failure or a broker's refusal as its code; anything else as {@code dataset_invalid} when a dataset check
     * refused it, else {@code internal_error}. The exception's own text stays here.
     */
    static RuntimeException leaving(Throwable e) {
        if (e instanceof TaskKilledException killed) {
            return killed;
        }
        if (e instanceof InferenceException inference) {
            return new PartitionFailure(inference.code());
        }
        if (e instanceof BrokerRefused refused) {
            return refusedBy(refused);
        }
        TaskContext task = TaskContext.get();
        if (task != null && task.isInterrupted()) {
            return new TaskKilledException("the task was killed");
        }
        return new PartitionFailure(DatasetRefusal.isIn(e) ? FailureCode.DATASET_INVALID : FailureCode.INTERNAL_ERROR);
    }

    /** The failure code this exception, or one of its causes (Spark wraps it on the driver), carries, if any. */
    public static FailureCode codeIn(Throwable t) {
        PartitionFailure f = in(t);
        return f == null ? null : FailureCode.fromId(f.code);
    }

    /** The broker's fixed reason id this exception or one of its causes carries, if a broker refused an instance. */
    public static String brokerReasonIn(Throwable t) {
        PartitionFailure f = in(t);
        return f == null ? null : fixedReason(f.brokerReason);
    }

    /** This exception, or the first of its causes, that is a PartitionFailure; null if none is. */
    static PartitionFailure in(Throwable t) {
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (t instanceof PartitionFailure f) {
                return f;
            }
        }
        return null;
    }

    private static String fixedReason(String reason) {
        if (reason == null) {
            return null;
        }
        boolean known = Arrays.stream(BrokerRefusal.Reason.values()).anyMatch(r -> r.id().equals(reason))
                || Arrays.asList(CLIENT_REASONS).contains(reason);
        return known ? reason : null;
    }
}
