package dev.veil.cli;

import dev.veil.protocol.json.Digests;
import dev.veil.seal.SealHeader;
import dev.veil.seal.Sealer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** The plaintext ONNX model a contract names, refused early when it is plainly some other file. */
final class ModelFile {
    /** Protobuf tag of ModelProto field 1 (ir_version, varint): ONNX serialisers write it first. */
    private static final int ONNX_FIRST_BYTE = 0x08;

    private ModelFile() {
    }

    /** SHA-256 (hex) of the plaintext ONNX model at {@code model}. */
    static String sha256(Path model) throws IOException, CliFailure {
        byte[] head;
        try (InputStream in = Files.newInputStream(model)) {
            head = in.readNBytes(SealHeader.MAGIC.length);
        }
        if (Arrays.equals(head, SealHeader.MAGIC)) {
            throw new CliFailure("--model " + model + " is a sealed file; pass the plaintext ONNX model");
        }
        if (head.length == 0 || (head[0] & 0xff) != ONNX_FIRST_BYTE) {
            throw new CliFailure("--model " + model + " is not an ONNX model; pass the plaintext .onnx file");
        }
        return Digests.hex(Sealer.sha256(model));
    }
}
