package dev.veil.spark.job;

import dev.veil.protocol.json.Json;
import dev.veil.protocol.receipt.SignedReceipt;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.function.FlatMapFunction;

/**
 * The closing task an instance runs after the job: it ends this JVM's instance of the job and answers its discard
 * receipt for the model provider, with the executor it ran on (so the driver knows that executor is done, whether or not
 * it held an instance).
 */
final class InstanceClosing implements FlatMapFunction<Iterator<String>, ClosingAnswer> {
    private static final long serialVersionUID = 1L;
    /** The job whose instance closes, by its id only: this stage carries neither the sealed model nor the brokers. */
    private final String jobId;

    InstanceClosing(String jobId) {
        this.jobId = jobId;
    }

    @Override
    public Iterator<ClosingAnswer> call(Iterator<String> executors) {
        SignedReceipt r = ExecutorInstance.close(jobId);
        return List.of(new ClosingAnswer(SparkEnv.get().executorId(), r == null ? new byte[0] : Json.canonical(r))).iterator();
    }
}
