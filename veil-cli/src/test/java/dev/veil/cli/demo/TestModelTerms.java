package dev.veil.cli.demo;

import dev.veil.protocol.contract.Dim;
import dev.veil.protocol.contract.MaxSizes;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.contract.ValueSignature;
import dev.veil.protocol.contract.ValueType;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import java.util.List;

/** The model terms of test contracts. */
public final class TestModelTerms {
    /** A float32 [N, 4] input and an int64 [N] output: for contracts whose model never reaches ONNX Runtime. */
    static final ModelSignature PLACEHOLDER = new ModelSignature(List.of(ValueSignature.tensor("x", ValueType.FLOAT32, Dim.free("N"), Dim.fixed(4))),
            List.of(ValueSignature.tensor("y", ValueType.INT64, Dim.free("N"))));

    private TestModelTerms() {
    }

    /** Terms naming a model no test uploads (its digest is made up). */
    public static ModelTerms unused() {
        return new ModelTerms("ab".repeat(32), "m", PLACEHOLDER);
    }

    /** Max size {@link #of} gives each named free dimension after the first: more than any test feeds. */
    public static final long GENEROUS = 1 << 16;

    /**
     * The terms 'veil contract draft' would write for {@code model}, with {@code --max-size} {@link #GENEROUS} for each
     * free dimension after the first; for a hostile model the reader cannot read, its digest with the placeholder
     * signature (the enclave refuses such a model when ONNX Runtime loads it, or at the signature check).
     */
    public static ModelTerms of(byte[] model) {
        return of(model, "test");
    }

    public static ModelTerms of(byte[] model, String name) {
        ModelTerms read;
        try {
            read = OnnxSignatureReader.modelTerms(model, name);
        } catch (ProtocolException e) {
            return new ModelTerms(Digests.hex(Digests.sha256(model)), name, PLACEHOLDER);
        }
        MaxSizes sizes = MaxSizes.everyFreeLaterDimension(read.signature(), GENEROUS);
        return sizes == null ? read : new ModelTerms(read.sha256(), read.name(), read.signature().withMaxSizes(sizes));
    }
}
