package dev.veil.cli.demo;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A minimal protobuf writer (varint and length-delimited fields), enough to write ONNX models by onnx.proto's field
 * numbers: the demo's classifier here, hostile test models in the tests (of this module and of veil-spark).
 */
public final class Protobuf {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public Protobuf varint(int field, long value) {
        tag(field, 0);
        writeVarint(value);
        return this;
    }

    public Protobuf string(int field, String s) {
        return bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    public Protobuf message(int field, Protobuf m) {
        return bytes(field, m.toBytes());
    }

    public Protobuf bytes(int field, byte[] b) {
        tag(field, 2);
        writeVarint(b.length);
        out.writeBytes(b);
        return this;
    }

    public byte[] toBytes() {
        return out.toByteArray();
    }

    private void tag(int field, int wireType) {
        writeVarint(((long) field << 3) | wireType);
    }

    private void writeVarint(long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
