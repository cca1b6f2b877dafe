package dev.veil.cli;

import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.seal.SealHeader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** The plaintext ONNX model a contract names, refused early when it is plainly some other file. */
final class ModelFile {
    /** Protobuf tag of ModelProto field 1 (ir_version, varint): ONNX serialisers write it first. */
    private static final int ONNX_FIRST_BYTE = 0x08;
    /** Protobuf messages, and so ONNX models with embedded weights, are at most 2 GiB. */
    private static final long MAX_MODEL_BYTES = Integer.MAX_VALUE - 8;

    private ModelFile() {
    }

    /**
     * What the contract says of the plaintext ONNX model at {@code model}: its SHA-256 and its signature, with the max
     * sizes the drafter gives its free dimensions after the first ({@code --max-size}; none when empty).
     */
    static ModelTerms terms(Path model, String name, List<String> maxSizes) throws IOException, CliFailure {
        ModelTerms read = terms(model, name);
        return new ModelTerms(read.sha256(), read.name(), MaxSizeOptions.apply(read.signature(), maxSizes));
    }

    private static ModelTerms terms(Path model, String name) throws IOException, CliFailure {
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
        if (Files.size(model) > MAX_MODEL_BYTES) {
            throw new CliFailure("--model " + model + " is over 2 GiB, more than an ONNX protobuf model can hold");
        }
        try {
            return OnnxSignatureReader.modelTerms(Files.readAllBytes(model), name);
        } catch (ProtocolException e) {
            throw new CliFailure("--model " + model + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new CliFailure("--model-name: " + e.getMessage() + "; give a plain name");
        }
    }
}
