package dev.veil.protocol.contract.onnx;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.json.ProtocolException;

/**
 * A model file as anyone can write it, read for its signature the way {@code veil contract draft} does: it ends in a
 * signature that can be shown, or in a ProtocolException. Seeds (OnnxSignatureReaderFuzzTestInputs, made by hand
 * from testdata/models, not rebuilt by {@code ./fuzz --seeds}): the OCR classifier with every tensor's data fields
 * removed (its whole graph, 43 KB), and the OCR classifier and the MiniLM transformer reduced to their graph's inputs,
 * outputs and initializer names (no nodes, no weights). OnnxSignatureReaderTest checks that each reads as its model.
 * They run in the normal suite; JAZZER_FUZZ=1 fuzzes (docs/FUZZING.md).
 */
class OnnxSignatureReaderFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void readArbitraryModel(FuzzedDataProvider data) {
        try {
            ModelSignature s = OnnxSignatureReader.read(data.consumeRemainingAsBytes());
            s.toString();
        } catch (ProtocolException expected) {
            // refused with a reason
        }
    }
}
