package dev.veil.enclave.inference;

import dev.veil.protocol.contract.OutputPolicy;
import java.io.ByteArrayOutputStream;
import java.util.List;

/** Encodes batches in memory, prefix and body together, as the data provider finally reads them. */
final class Encoding {
    /** The output as the data provider reads it, and how many bytes the spool held for it. */
    record Result(byte[] bytes, long rows, int paddedLength, int spoolBytes) {
    }

    private Encoding() {
    }

    static Result encode(OutputPolicy policy, List<ModelRunner.BatchOutput> batches, int... inputRowsPerBatch) throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int batchRows = java.util.Arrays.stream(inputRowsPerBatch).max().orElse(1);
        OutputEncoder e = OutputEncoder.forPolicy(policy, body, batchRows);
        for (int i = 0; i < batches.size(); i++) {
            e.accept(batches.get(i), inputRowsPerBatch[i]);
        }
        OutputEncoder.Encoded done = e.finish();
        byte[] output = done.output(new java.io.ByteArrayInputStream(body.toByteArray())).readAllBytes();
        if (output.length != done.length()) {
            throw new IllegalStateException("the encoder announced " + done.length() + " bytes and gave " + output.length);
        }
        return new Result(output, done.rows(), done.paddedLength(), body.size());
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
