package dev.veil.bench;

import dev.veil.protocol.contract.MaxSizes;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
import dev.veil.protocol.json.ProtocolException;

/**
 * The model terms of the benchmarks' contracts: as 'veil contract draft' reads them, with every free dimension after
 * the first given a max size of {@link #MAX_SIZE}, which every benchmark input fits (MiniLM's 128 tokens, OCR images up
 * to 640 pixels a side). Benchmarks measure cost, not bounds; the bound is checked on every row all the same.
 */
final class BenchModelTerms {
    static final long MAX_SIZE = 4096;

    private BenchModelTerms() {
    }

    static ModelTerms of(byte[] model, String name) throws ProtocolException {
        ModelTerms read = OnnxSignatureReader.modelTerms(model, name);
        MaxSizes sizes = MaxSizes.everyFreeLaterDimension(read.signature(), MAX_SIZE);
        return sizes == null ? read : new ModelTerms(read.sha256(), read.name(), read.signature().withMaxSizes(sizes));
    }
}
