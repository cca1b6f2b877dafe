package dev.veil.enclave.inference;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;

/**
 * The process's one ONNX Runtime environment, with telemetry switched off before any model is loaded: telemetry would
 * record model metadata on the enclave's disk and queue it for upload, outside both providers' control.
 */
public final class OrtRuntime {
    private static OrtEnvironment environment;

    private OrtRuntime() {
    }

    public static synchronized OrtEnvironment environment() {
        if (environment == null) {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try {
                env.setTelemetry(false);
            } catch (OrtException e) {
                throw new IllegalStateException("cannot switch ONNX Runtime telemetry off; refusing to run models", e);
            }
            environment = env;
        }
        return environment;
    }
}
