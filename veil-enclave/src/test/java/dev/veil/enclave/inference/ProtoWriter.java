package dev.veil.enclave.inference;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Minimal protobuf writer for building ONNX models in tests (field numbers from onnx.proto). */
public final class ProtoWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public ProtoWriter varint(int field, long value) {
        tag(field, 0);
        writeVarint(value);
        return this;
    }

    /** A float field (wire type 5: four little-endian bytes), e.g. an AttributeProto's {@code f}. */
    public ProtoWriter fixed32(int field, float value) {
        tag(field, 5);
        int bits = Float.floatToRawIntBits(value);
        for (int i = 0; i < 4; i++) {
            out.write(bits >>> (8 * i) & 0xff);
        }
        return this;
    }

    public ProtoWriter string(int field, String s) {
        return bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    public ProtoWriter message(int field, ProtoWriter m) {
        return bytes(field, m.toBytes());
    }

    public ProtoWriter bytes(int field, byte[] b) {
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
