package dev.veil.protocol.contract.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each rule of the strict reader, on hand-written bytes that protobuf's C++ parser (ONNX Runtime's) reads differently
 * from a plain 64-bit varint walk: each test names the disagreement it closes. The models that carry these encodings
 * to ONNX Runtime are in veil-enclave's ProtobufDifferentialTest.
 */
class ProtoReaderTest {
    /** Every field of a message, read to the end. */
    private static List<ProtoReader.Field> all(byte[] message) throws MalformedProtobufException {
        ProtoReader r = ProtoReader.of(message);
        List<ProtoReader.Field> out = new ArrayList<>();
        while (r.hasNext()) {
            out.add(r.next());
        }
        return out;
    }

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    @Test
    void canonicalFieldsReadAsWritten() throws Exception {
        // field 1 varint 150; field 2 "hi"; field 3 fixed32; field 4 fixed64; field 2^29-1 varint 1 (5-byte tag)
        List<ProtoReader.Field> f = all(bytes(0x08, 0x96, 0x01, 0x12, 0x02, 'h', 'i', 0x1d, 1, 2, 3, 4,
                0x21, 1, 2, 3, 4, 5, 6, 7, 8, 0xf8, 0xff, 0xff, 0xff, 0x0f, 0x01));
        assertThat(f).extracting(ProtoReader.Field::number).containsExactly(1, 2, 3, 4, (1 << 29) - 1);
        assertThat(f.get(0).varint()).isEqualTo(150);
        assertThat(f.get(1).utf8()).isEqualTo("hi");
        assertThat(f).extracting(ProtoReader.Field::wireType).containsExactly(ProtoReader.WireType.VARINT,
                ProtoReader.WireType.LEN, ProtoReader.WireType.I32, ProtoReader.WireType.I64, ProtoReader.WireType.VARINT);
    }

    @Test
    void overflowingTagIsRefused() {
        // protobuf C++ ReadTag keeps a 5-byte tag's low 32 bits: this is GraphProto.initializer (field 5, LEN) to it,
        // and field 2^29 + 5 to a 64-bit walk
        assertThatThrownBy(() -> all(bytes(0xaa, 0x80, 0x80, 0x80, 0x10, 0x00)))
                .isInstanceOf(MalformedProtobufException.class).hasMessageContaining("above 32 bits");
        // and protobuf C++ refuses a tag of 6 bytes, which a 64-bit walk would read
        assertThatThrownBy(() -> all(bytes(0xaa, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00)))
                .hasMessageContaining("field tag longer than 5 bytes");
    }

    @Test
    void overlongVarintTagIsRefused() {
        // 0xaa 0x80 0x00 is field 5, LEN written in 3 bytes instead of 1: both parsers would read field 5, but no
        // writer emits it, and only the canonical form leaves one reading of each tag
        assertThatThrownBy(() -> all(bytes(0xaa, 0x80, 0x00, 0x00)))
                .isInstanceOf(MalformedProtobufException.class).hasMessageContaining("field tag written in more bytes");
        // the same for a length: field 1, length 0 written as 0x80 0x00
        assertThatThrownBy(() -> all(bytes(0x0a, 0x80, 0x00)))
                .isInstanceOf(MalformedProtobufException.class).hasMessageContaining("length written in more bytes");
    }

    @Test
    void groupWireTypeIsRefused() {
        // generated C++ code ends a message at an end-group tag, so the fields after it are seen only by a walk that
        // skips the tag; a start-group's extent is found only by parsing to its end-group
        assertThatThrownBy(() -> all(bytes(0x0c, 0x08, 0x01))).isInstanceOf(MalformedProtobufException.class)
                .hasMessageContaining("wire type 4");
        assertThatThrownBy(() -> all(bytes(0x0b, 0x08, 0x01, 0x0c))).hasMessageContaining("wire type 3");
        assertThatThrownBy(() -> all(bytes(0x0e, 0x00))).hasMessageContaining("wire type 6");
        assertThatThrownBy(() -> all(bytes(0x0f, 0x00))).hasMessageContaining("wire type 7");
    }

    @Test
    void fieldNumberZeroIsRefused() {
        // generated C++ code stops reading a message at tag 0: whatever follows is invisible to ONNX Runtime
        assertThatThrownBy(() -> all(bytes(0x08, 0x01, 0x00, 0x3a, 0x00))).isInstanceOf(MalformedProtobufException.class)
                .hasMessageContaining("field number 0");
        assertThatThrownBy(() -> all(bytes(0x02, 0x00))).hasMessageContaining("field number 0");
    }

    @Test
    void lengthPastTheEndIsRefused() throws Exception {
        assertThatThrownBy(() -> all(bytes(0x0a, 0x05, 1, 2))).isInstanceOf(MalformedProtobufException.class)
                .hasMessageContaining("running past its end");
        // an inner length within the array but past its enclosing message: protobuf checks it against the enclosing
        // limit, and so does the reader
        ProtoReader outer = ProtoReader.of(bytes(0x0a, 0x02, 0x0a, 0x03, 0x10, 0x01, 0x02));
        ProtoReader inner = outer.next().message();
        assertThatThrownBy(inner::next).hasMessageContaining("running past its end");
        assertThatThrownBy(() -> all(bytes(0x0a, 0xff, 0xff, 0xff, 0xff, 0x07))).hasMessageContaining("running past its end");
        assertThatThrownBy(() -> all(bytes(0x0d, 1, 2))).hasMessageContaining("ends inside a field");
        assertThatThrownBy(() -> all(bytes(0x08, 0x80))).hasMessageContaining("ends inside a varint");
    }

    @Test
    void nestingPastTheLimitIsRefused() throws Exception {
        assertThat(depthReached(nested(ProtoReader.MAX_DEPTH))).isEqualTo(ProtoReader.MAX_DEPTH);
        assertThatThrownBy(() -> depthReached(nested(ProtoReader.MAX_DEPTH + 1)))
                .isInstanceOf(MalformedProtobufException.class).hasMessageContaining("deeper than 100 levels");
    }

    /** {@code levels} messages, each field 1 of the one around it, below the top-level message. */
    private static byte[] nested(int levels) {
        byte[] m = new byte[0];
        for (int i = 0; i < levels; i++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(0x0a);
            int n = m.length;
            while (n >= 0x80) {
                out.write((n & 0x7f) | 0x80);
                n >>>= 7;
            }
            out.write(n);
            out.writeBytes(m);
            m = out.toByteArray();
        }
        return m;
    }

    private static int depthReached(byte[] message) throws MalformedProtobufException {
        ProtoReader r = ProtoReader.of(message);
        int depth = 0;
        while (r.hasNext()) {
            r = r.next().message();
            depth++;
        }
        return depth;
    }

    @Test
    void varintAbove64BitsIsRefused() {
        // protobuf C++ drops the bits above 63 of a 10-byte varint; the reader refuses them instead
        assertThatThrownBy(() -> all(bytes(0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02)))
                .hasMessageContaining("above 64 bits");
        assertThatThrownBy(() -> all(bytes(0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01)))
                .hasMessageContaining("varint longer than 10 bytes");
    }

    @Test
    void int32FieldsKeepTheLowBitsAsProtobufDoes() throws Exception {
        // 2^32 + 1 written for an int32 field (ONNX's data_location, elem_type): protobuf C++ reads 1
        ProtoReader.Field f = all(bytes(0x70, 0x81, 0x80, 0x80, 0x80, 0x10)).get(0);
        assertThat(f.number()).isEqualTo(14);
        assertThat(f.varint()).isEqualTo((1L << 32) + 1);
        assertThat(f.int32()).isEqualTo(1);
        // -1 as protobuf writes a negative int32: ten bytes, sign-extended
        ProtoReader.Field minusOne = all(bytes(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)).get(0);
        assertThat(minusOne.int32()).isEqualTo(-1);
    }

    @Test
    void aFieldReadAsTheWrongKindIsRefused() throws Exception {
        ProtoReader.Field varint = all(bytes(0x08, 0x01)).get(0);
        assertThatThrownBy(varint::message).hasMessageContaining("wire type VARINT where a length-delimited one belongs");
        ProtoReader.Field string = all(bytes(0x12, 0x01, 0xff)).get(0);
        assertThatThrownBy(string::varint).hasMessageContaining("where a varint belongs");
        assertThatThrownBy(string::utf8).hasMessageContaining("not UTF-8");
    }
}
