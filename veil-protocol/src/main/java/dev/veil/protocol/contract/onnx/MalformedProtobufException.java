package dev.veil.protocol.contract.onnx;

/**
 * Bytes that {@link ProtoReader} refuses to read as protobuf. The message completes the sentence "its protobuf ...",
 * for example "has a field tag longer than 5 bytes"; it never quotes the bytes.
 */
public final class MalformedProtobufException extends Exception {
    MalformedProtobufException(String what) {
        super(what);
    }
}
