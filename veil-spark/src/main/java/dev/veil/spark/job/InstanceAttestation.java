package dev.veil.spark.job;

import java.util.Iterator;
import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.function.FlatMapFunction;

/**
 * The attestation task of a job, run on each of its executors before any data is read: this JVM attests as the job's
 * enclave instance to both providers' brokers (once: an executor that already holds one answers at once) and answers
 * the executor it ran on. A failure leaves as its fixed code, as a partition's does ({@link PartitionFailure}).
 */
final class InstanceAttestation implements FlatMapFunction<Iterator<String>, String> {
    private static final long serialVersionUID = 1L;
    private final BatchTerms terms;
    /** The driver's signed statement ({@link DriverStatement}): an executor attests only for the attested driver. */
    private final byte[] driverStatement;

    InstanceAttestation(BatchTerms terms, byte[] driverStatement) {
        this.terms = terms;
        this.driverStatement = driverStatement.clone();
    }

    @Override
    public Iterator<String> call(Iterator<String> executors) {
        try {
            ExecutorInstance.attest(terms, driverStatement);
        } catch (Throwable e) {   // whatever it was, its text stays here
            throw PartitionFailure.leaving(e);
        }
        return List.of(SparkEnv.get().executorId()).iterator();
    }
}
