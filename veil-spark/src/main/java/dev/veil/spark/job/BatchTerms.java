package dev.veil.spark.job;

import dev.veil.protocol.json.Digests;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.io.Serializable;

/**
 * What the driver ships to every executor in a job's attestation stage, where it becomes the executor's instance
 * ({@link ExecutorInstance}); the later stages name the job by its id only, so the sealed model crosses the network
 * once per executor and job. Nothing secret — the signed contract as its file holds it
 * (each executor verifies it itself), the sealed model (ciphertext), the two brokers' URLs, the data provider's master
 * key the results are written under (its name; the key stays in the broker) and how many rows one model run takes.
 *
 * @param rowsPerRun rows per model run; runs never span partitions, so a model whose rows influence each other (a
 *                   batch-wide quantization) gives partition-independent answers only with 1
 */
public record BatchTerms(String jobId, byte[] signedContract, byte[] sealedModel, String modelProviderBroker,
                         String dataProviderBroker, String resultsMasterKey, int rowsPerRun) implements Serializable {
    public BatchTerms {
        if (resultsMasterKey == null || !resultsMasterKey.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new IllegalArgumentException("the results' master key is named as 'veil broker master-key --id' names it");
        }
        if (rowsPerRun < 1) {
            throw new IllegalArgumentException("rows per run must be at least 1");
        }
        signedContract = signedContract.clone();
        sealedModel = sealedModel.clone();
    }

    /**
     * A digest of every term: an executor that holds an instance of this job id compares it before it answers a later
     * attestation task with that instance, so a job id names one job's terms (ExecutorInstance.attest).
     */
    byte[] digest() {
        return Digests.labelled256("veil batch terms v1", jobId.getBytes(StandardCharsets.UTF_8), signedContract, sealedModel,
                modelProviderBroker.getBytes(StandardCharsets.UTF_8), dataProviderBroker.getBytes(StandardCharsets.UTF_8),
                resultsMasterKey.getBytes(StandardCharsets.UTF_8), ByteBuffer.allocate(Integer.BYTES).putInt(rowsPerRun).array());
    }
}
