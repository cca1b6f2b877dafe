package dev.veil.enclave.inference;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.util.Locale;

/**
 * The process's one ONNX Runtime environment, with telemetry off. ONNX Runtime 1.29 on Linux records a device id and
 * an event database (session and model events) under {@code ~/.cache/Microsoft/DeveloperTools/.onnxruntime} and
 * queues them for upload; {@code setTelemetry(false)} comes too late to stop what the environment's creation itself
 * writes. Only {@code ORT_DISABLE_TELEMETRY=1}, present in the process environment before ONNX Runtime initialises,
 * stops all of it, so it is put there (libc {@code setenv}) before the environment is created, and the API switch is
 * turned off as well.
 *
 * <p>ONNX Runtime also logs from native code straight to the process's standard error, past SLF4J, and its kernel
 * errors quote tensor contents ("requested shape:{987654,4321}": the data provider's cells). The host reads the
 * enclave's standard error, so the environment, every session and every run log only at {@link #LOG_LEVEL}: a
 * failure reaches the data provider as Veil's own sentence, sealed, never as ONNX Runtime's text.
 */
public final class OrtRuntime {
    static final String DISABLE_TELEMETRY = "ORT_DISABLE_TELEMETRY";
    /** Only a crash is logged: lower levels quote tensor values. */
    public static final OrtLoggingLevel LOG_LEVEL = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
    private static OrtEnvironment environment;

    private OrtRuntime() {
    }

    public static OrtEnvironment environment() {
        return environment(LOG_LEVEL);
    }

    /** The environment logging at {@code level}: {@link #LOG_LEVEL} but in a test that proves where logs go. */
    static synchronized OrtEnvironment environment(OrtLoggingLevel level) {
        if (environment == null) {
            disableTelemetryInProcessEnvironment();
            OrtEnvironment env = OrtEnvironment.getEnvironment(level, "veil");
            try {
                env.setTelemetry(false);
            } catch (OrtException e) {
                throw new IllegalStateException("cannot switch ONNX Runtime telemetry off; refusing to run models", e);
            }
            environment = env;
        }
        return environment;
    }

    private static void disableTelemetryInProcessEnvironment() {
        if (System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("windows")) {
            return;   // Windows telemetry is ETW, governed by setTelemetry; enclaves run Linux
        }
        if ("1".equals(System.getenv(DISABLE_TELEMETRY))) {
            return;   // the inference worker is started with it in its environment
        }
        if (LibC.INSTANCE.setenv(DISABLE_TELEMETRY, "1", 1) != 0) {
            throw new IllegalStateException("cannot set " + DISABLE_TELEMETRY + " (errno " + Native.getLastError()
                    + "); refusing to start ONNX Runtime with telemetry");
        }
    }

    interface LibC extends Library {
        LibC INSTANCE = Native.load("c", LibC.class);

        int setenv(String name, String value, int overwrite);
    }
}
