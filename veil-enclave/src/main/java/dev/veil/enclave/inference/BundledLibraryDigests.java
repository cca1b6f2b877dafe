package dev.veil.enclave.inference;

import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.util.HexFormat;
import java.util.Map;
import java.util.jar.JarEntry;

/**
 * The SHA-256 of each native library inside the ONNX Runtime jar Veil is built with, so that checking the extracted
 * copy does not mean inflating 28 MB from the jar on every start (most of the check's time). A digest is used only
 * when the jar entry at hand has the pinned size and CRC-32, read from the jar's directory without inflating: that
 * identifies the build (the jar is measured code, not an adversary), and any other build is hashed from the jar as
 * before. {@code NativeLibrariesTest.pinnedDigestsAreThoseOfTheBundledLibraries} recomputes each pinned digest from
 * the jar, so an ONNX Runtime upgrade fails the build until this table is updated.
 */
final class BundledLibraryDigests {
    record Pinned(long size, long crc32, String sha256) {
    }

    /** ONNX Runtime 1.29.0, by resource path. */
    static final Map<String, Pinned> PINNED = Map.of(
            "/ai/onnxruntime/native/linux-x64/libonnxruntime.so",
            new Pinned(28497752, 0xfbc5d6d2L, "5715f06d8992ca8eeeddcce43df3a7d38f97d537052126f558e912cb312460ca"),
            "/ai/onnxruntime/native/linux-x64/libonnxruntime4j_jni.so",
            new Pinned(88352, 0x5cdb0239L, "5017145b4d1ce745c42d88d17bd80612500a20399fa0fad406e5cfbacdb5b8c8"),
            "/ai/onnxruntime/native/linux-aarch64/libonnxruntime.so",
            new Pinned(24538024, 0x55463eacL, "a27d21126db312aa8f02f3d5eaebe466e991f51f469882e6d0407d5a8b64afda"),
            "/ai/onnxruntime/native/linux-aarch64/libonnxruntime4j_jni.so",
            new Pinned(198792, 0xb8f7b862L, "b3c7701465371191b9f19ef3794d4e6cd02d09c797392b81d86b83cb75526e5d"));

    private BundledLibraryDigests() {
    }

    /** The pinned digest of {@code resource} if {@code url} is that very jar entry, else null (hash it instead). */
    static byte[] pinned(String resource, URL url) throws IOException {
        Pinned p = PINNED.get(resource);
        if (p == null || !"jar".equals(url.getProtocol())) {
            return null;
        }
        JarEntry entry = ((JarURLConnection) url.openConnection()).getJarEntry();
        return entry != null && entry.getSize() == p.size() && entry.getCrc() == p.crc32()
                ? HexFormat.of().parseHex(p.sha256()) : null;
    }
}
