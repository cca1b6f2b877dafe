package dev.veil.enclave.inference;

import dev.veil.protocol.contract.OutputPolicy;
import java.io.ByteArrayOutputStream;
import java.util.List;

/** Encodes batches in memory, prefix and body together, as the data provider finally reads them. */
final class Encoding {
    record Result(byte[] bytes, long rows, int paddedLength) {
    }

    private Encoding() {
    }

    static Result encode(OutputPolicy policy, List<ModelRunner.BatchOutput> batches, int... inputRowsPerBatch) throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        OutputEncoder e = OutputEncoder.forPolicy(policy, body);
        for (int i = 0; i < batches.size(); i++) {
            e.accept(batches.get(i), inputRowsPerBatch[i]);
        }
        OutputEncoder.Encoded done = e.finish();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(done.prefix());
        all.writeBytes(body.toByteArray());
        return new Result(all.toByteArray(), done.rows(), done.paddedLength());
    }

    /** Runs every batch through the runner, in batches of {@code batchRows}. */
    static List<ModelRunner.BatchOutput> runAll(ModelRunner r, dev.veil.tensor.FloatTensor input, int batchRows) throws Exception {
        List<ModelRunner.BatchOutput> out = new java.util.ArrayList<>();
        for (int from = 0; from < input.rows(); from += batchRows) {
            out.add(r.runBatch(input.slice(from, Math.min(input.rows(), from + batchRows))));
        }
        return out;
    }
}
