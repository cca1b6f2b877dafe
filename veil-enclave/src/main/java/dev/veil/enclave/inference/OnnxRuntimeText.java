package dev.veil.enclave.inference;

/**
 * ONNX Runtime's own error text, as the inference worker reported it: only ever the cause of an
 * {@link InferenceException}, which nothing in the enclave shows (it can quote the data provider's cells and the model
 * provider's constants). Bounded by {@link WorkerProtocol#MAX_TEXT_BYTES}.
 */
final class OnnxRuntimeText extends Exception {
    OnnxRuntimeText(String text) {
        super(text, null, false, false);
    }
}
