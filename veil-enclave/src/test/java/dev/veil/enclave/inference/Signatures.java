package dev.veil.enclave.inference;

import dev.veil.protocol.contract.Dim;
import dev.veil.protocol.contract.MaxSizes;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.contract.ValueSignature;
import dev.veil.protocol.contract.ValueType;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
import java.util.List;
import java.util.Map;

/** The signature a contract would carry for a test model. */
public final class Signatures {
    /** For bytes refused before ONNX Runtime loads them, where no signature is ever compared. */
    static final ModelSignature UNUSED = new ModelSignature(List.of(ValueSignature.tensor("x", ValueType.FLOAT32, Dim.free("N"))),
            List.of(ValueSignature.tensor("y", ValueType.FLOAT32, Dim.free("N"))));

    private Signatures() {
    }

    /** Max size given to each free dimension after the first by {@link #of}: more than any test feeds. */
    static final long GENEROUS = 1 << 16;

    /**
     * What the model provider's side derives from the model, as 'veil contract draft' does, with every named free
     * dimension after the first given the max size {@link #GENEROUS} (as {@code --max-size} would).
     */
    public static ModelSignature of(byte[] model) throws Exception {
        ModelSignature read = OnnxSignatureReader.read(model);
        MaxSizes sizes = MaxSizes.everyFreeLaterDimension(read, GENEROUS);
        return sizes == null ? read : read.withMaxSizes(sizes);
    }

    /** As 'veil contract draft --max-size' would write it: {@code sizes} for the model's free later dimensions. */
    static ModelSignature of(byte[] model, Map<String, Long> sizes) throws Exception {
        return OnnxSignatureReader.read(model).withMaxSizes(MaxSizes.of(sizes));
    }
}
