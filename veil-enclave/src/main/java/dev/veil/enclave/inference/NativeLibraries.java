package dev.veil.enclave.inference;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * ONNX Runtime unpacks its native libraries into {@code java.io.tmpdir} unless told otherwise. Inside a TEE the temp
 * directory may be shared, read-only or outside the measured image, so the enclave extracts them into a directory
 * of its choosing and points ORT at it ({@code onnxruntime.native.path}). If that property is already set (libraries
 * installed in the image), it is left alone.
 */
public final class NativeLibraries {
    private static final String[] LIBS = {"libonnxruntime.so", "libonnxruntime4j_jni.so"};

    private NativeLibraries() {
    }

    public static synchronized void prepare(Path dir) throws IOException {
        if (System.getProperty("onnxruntime.native.path") != null) {
            return;
        }
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        if (!os.contains("linux")) {
            return;   // ORT's own loader handles other systems; TEEs run Linux
        }
        String platform = arch.contains("aarch64") || arch.contains("arm64") ? "linux-aarch64" : "linux-x64";
        Path target = dir.resolve("onnxruntime-native").resolve(platform);
        Files.createDirectories(target);
        for (String lib : LIBS) {
            String resource = "/ai/onnxruntime/native/" + platform + "/" + lib;
            try (InputStream in = NativeLibraries.class.getResourceAsStream(resource)) {
                if (in == null) {
                    return;   // not a bundled-natives ORT jar; let ORT find its libraries itself
                }
                Path tmp = Files.createTempFile(target, lib, ".part");
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, target.resolve(lib), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        System.setProperty("onnxruntime.native.path", target.toString());
    }
}
