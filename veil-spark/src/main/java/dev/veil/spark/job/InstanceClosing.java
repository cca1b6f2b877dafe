package dev.veil.spark.job;

import dev.veil.protocol.json.Json;
import dev.veil.protocol.receipt.SignedReceipt;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;

/**
 * The closing task an instance runs after the job: it ends this JVM's instance of the job and answers its discard
 * receipt (canonical JSON) for the model provider; nothing when the task landed where no instance of the job is.
 */
final class InstanceClosing implements FlatMapFunction<Iterator<String>, byte[]> {
    private static final long serialVersionUID = 1L;
    private final BatchTerms terms;

    InstanceClosing(BatchTerms terms) {
        this.terms = terms;
    }

    @Override
    public Iterator<byte[]> call(Iterator<String> executors) {
        List<byte[]> out = new ArrayList<>();
        SignedReceipt r = ExecutorInstance.close(terms);
        if (r != null) {
            out.add(Json.canonical(r));
        }
        return out.iterator();
    }
}
