package dev.veil.enclave.inference;

import dev.veil.protocol.contract.Dim;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.contract.ValueSignature;
import dev.veil.protocol.contract.ValueType;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
import java.util.List;

/** The signature a contract would carry for a test model. */
final class Signatures {
    /** For bytes refused before ONNX Runtime loads them, where no signature is ever compared. */
    static final ModelSignature UNUSED = new ModelSignature(List.of(ValueSignature.tensor("x", ValueType.FLOAT32, Dim.free("N"))),
            List.of(ValueSignature.tensor("y", ValueType.FLOAT32, Dim.free("N"))));

    private Signatures() {
    }

    /** What the model provider's side derives from the model, as 'veil contract draft' does. */
    static ModelSignature of(byte[] model) throws Exception {
        return OnnxSignatureReader.read(model);
    }
}
