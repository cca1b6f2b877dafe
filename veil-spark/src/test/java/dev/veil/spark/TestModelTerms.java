package dev.veil.spark;

import dev.veil.protocol.contract.MaxSizes;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
import dev.veil.protocol.json.ProtocolException;

/** The model terms of the Spark tests' contracts. */
public final class TestModelTerms {
    /** Max size given to each named free dimension after the first: more than any test feeds. */
    public static final long GENEROUS = 1 << 16;

    private TestModelTerms() {
    }

    /** What 'veil contract draft' writes for {@code model}, with {@code --max-size} {@link #GENEROUS} for each free later dimension. */
    public static ModelTerms of(byte[] model, String name) throws ProtocolException {
        ModelTerms read = OnnxSignatureReader.modelTerms(model, name);
        MaxSizes sizes = MaxSizes.everyFreeLaterDimension(read.signature(), GENEROUS);
        return sizes == null ? read : new ModelTerms(read.sha256(), read.name(), read.signature().withMaxSizes(sizes));
    }

    public static ModelTerms of(byte[] model) throws ProtocolException {
        return of(model, "test");
    }
}
