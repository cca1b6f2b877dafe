package dev.veil.protocol.contract.onnx;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The fields of one protobuf message, read so that nothing it accepts reads differently to protobuf's C++ parser,
 * which ONNX Runtime uses to load a model. Veil walks the same untrusted model bytes before ONNX Runtime does (to refuse
 * external data in the enclave, to read the model's signature for a contract); any byte sequence the two parsers
 * frame differently is a place where a model can show Veil one thing and ONNX Runtime another. So every such sequence
 * is refused, not interpreted, and both walks read through this one class.
 *
 * <p>The rules, with what they close (the wire format is protobuf's "Encoding" guide,
 * https://protobuf.dev/programming-guides/encoding/; the C++ behaviour is protobuf's
 * {@code src/google/protobuf/parse_context.{h,cc}} and the generated {@code _InternalParse}):
 * <ul>
 *   <li>A tag is at most 5 bytes, its value at most 0xFFFFFFFF, and written in the fewest bytes. C++ {@code ReadTag}
 *       / {@code ReadTagFallback} read at most 5 bytes into a {@code uint32_t}, so higher bits vanish: a 5-byte tag
 *       with bits above 31 is, to ONNX Runtime, the tag of a small field number.</li>
 *   <li>Field number 0 is refused, and so are wire types 3 and 4 (groups) and 6 and 7 (undefined). Generated C++
 *       code ends the message at a tag of 0 or an end-group tag ({@code (tag == 0) || ((tag & 7) == 4)}), so whatever
 *       follows would be read by Veil and not by ONNX Runtime; ONNX never uses groups.</li>
 *   <li>A length is written in the fewest bytes and fits in what is left of the enclosing message (C++
 *       {@code ReadSize} reads at most 5 bytes and the length is checked against the enclosing limit).</li>
 *   <li>A varint value is at most 10 bytes and at most 64 bits (C++ {@code VarintParseSlow64} stops at 10 bytes and
 *       drops what lies above bit 63; Veil refuses such bits rather than drop them). A field declared {@code int32}
 *       or an enum is read as C++ reads it: the low 32 bits of the varint ({@link Field#int32()}).</li>
 *   <li>Messages nest at most {@link #MAX_DEPTH} levels below the top one: protobuf's default recursion limit
 *       (100, {@code CodedInputStream::default_recursion_limit_}), which applies because ONNX Runtime loads a model
 *       from memory with plain {@code ModelProto::ParseFromArray} ({@code Model::LoadFromBytes} in
 *       {@code onnxruntime/core/graph/model.cc}). Every message Veil descends into is one protobuf parses as a
 *       message too, so the two count the same depth.</li>
 * </ul>
 * A known field with an unexpected wire type is not refused here: protobuf keeps it as an unknown field, and each
 * walk decides (see {@link Field#message()}, {@link Field#varint()}).
 */
public final class ProtoReader {
    /** Messages nested deeper than this below the top-level message are refused (protobuf's default limit). */
    public static final int MAX_DEPTH = 100;

    /** The wire types an ONNX model uses; groups and the undefined types 6 and 7 never get this far. */
    public enum WireType { VARINT, I64, LEN, I32 }

    private static final int MAX_TAG_BYTES = 5;
    private static final int MAX_LENGTH_BYTES = 5;
    private static final int MAX_VARINT_BYTES = 10;

    private final byte[] bytes;
    private final int end;
    private final int depth;
    private int pos;

    private ProtoReader(byte[] bytes, int from, int to, int depth) {
        this.bytes = bytes;
        this.pos = from;
        this.end = to;
        this.depth = depth;
    }

    /** The top-level message held by all of {@code message}. The array is read, never changed or kept beyond use. */
    public static ProtoReader of(byte[] message) {
        return new ProtoReader(message, 0, message.length, 0);
    }

    /** Whether another field follows. */
    public boolean hasNext() {
        return pos < end;
    }

    /** The next field, its framing checked; its value is read or skipped, so the reader is past it. */
    public Field next() throws MalformedProtobufException {
        int tagStart = pos;
        long tag = varint(MAX_TAG_BYTES, "field tag");
        if (tag > 0xFFFF_FFFFL) {
            throw new MalformedProtobufException("has a field tag above 32 bits, which ONNX Runtime's protobuf parser "
                    + "would read as another field");
        }
        if (overlong(tagStart)) {
            throw new MalformedProtobufException("has a field tag written in more bytes than it needs");
        }
        int number = (int) (tag >>> 3);
        int wire = (int) (tag & 7);
        if (number == 0) {
            throw new MalformedProtobufException("has field number 0, where ONNX Runtime's protobuf parser stops reading");
        }
        return switch (wire) {
            case 0 -> {
                long value = varint(MAX_VARINT_BYTES, "varint");
                yield new Field(number, WireType.VARINT, value, 0, 0);
            }
            case 1 -> {
                int from = skip(8);
                yield new Field(number, WireType.I64, 0, from, pos);
            }
            case 2 -> {
                int lengthStart = pos;
                long length = varint(MAX_LENGTH_BYTES, "length");
                if (overlong(lengthStart)) {
                    throw new MalformedProtobufException("has a length written in more bytes than it needs");
                }
                if (length > end - pos) {
                    throw new MalformedProtobufException("has a length-delimited field running past its end");
                }
                int from = skip((int) length);
                yield new Field(number, WireType.LEN, 0, from, pos);
            }
            case 5 -> {
                int from = skip(4);
                yield new Field(number, WireType.I32, 0, from, pos);
            }
            case 3, 4 -> throw new MalformedProtobufException("uses wire type " + wire + " (a group), which ONNX models "
                    + "do not use");
            default -> throw new MalformedProtobufException("uses wire type " + wire + ", which protobuf does not define");
        };
    }

    /**
     * A varint of at most {@code maxBytes} bytes, within this message. The 10th byte of a 64-bit varint may only
     * carry bit 63: anything above is refused rather than dropped as protobuf C++ does.
     */
    private long varint(int maxBytes, String what) throws MalformedProtobufException {
        long value = 0;
        for (int i = 0; i < maxBytes; i++) {
            if (pos >= end) {
                throw new MalformedProtobufException("ends inside a " + what);
            }
            int b = bytes[pos++] & 0xff;
            if (i == MAX_VARINT_BYTES - 1 && (b & 0x7f) > 1) {
                throw new MalformedProtobufException("has a varint above 64 bits");
            }
            value |= (long) (b & 0x7f) << (7 * i);
            if (b < 0x80) {
                return value;
            }
        }
        throw new MalformedProtobufException("has a " + what + " longer than " + maxBytes + " bytes");
    }

    /** Whether the varint that began at {@code start} and ends before {@code pos} has a needless last byte of 0. */
    private boolean overlong(int start) {
        return pos - start > 1 && bytes[pos - 1] == 0;
    }

    private int skip(int n) throws MalformedProtobufException {
        if (end - pos < n) {
            throw new MalformedProtobufException("ends inside a field");
        }
        int from = pos;
        pos += n;
        return from;
    }

    /** One field: its number, its wire type, and its varint value or the span of its bytes. */
    public final class Field {
        private final int number;
        private final WireType wire;
        private final long value;
        private final int from;
        private final int to;

        private Field(int number, WireType wire, long value, int from, int to) {
            this.number = number;
            this.wire = wire;
            this.value = value;
            this.from = from;
            this.to = to;
        }

        public int number() {
            return number;
        }

        public WireType wireType() {
            return wire;
        }

        /** The varint's 64 bits, as protobuf reads an int64, uint64 or bool field. */
        public long varint() throws MalformedProtobufException {
            if (wire != WireType.VARINT) {
                throw wrongWireType("a varint");
            }
            return value;
        }

        /**
         * The value of a field declared {@code int32} or an enum: the low 32 bits of the varint, as protobuf C++
         * reads it (a negative int32 is written as 10 bytes, sign-extended; any higher bits are ignored).
         */
        public int int32() throws MalformedProtobufException {
            return (int) varint();
        }

        /** The embedded message this field holds, one level deeper. */
        public ProtoReader message() throws MalformedProtobufException {
            if (wire != WireType.LEN) {
                throw wrongWireType("a length-delimited one");
            }
            if (depth + 1 > MAX_DEPTH) {
                throw new MalformedProtobufException("nests messages deeper than " + MAX_DEPTH + " levels, protobuf's "
                        + "limit");
            }
            return new ProtoReader(bytes, from, to, depth + 1);
        }

        /** The string this field holds, which must be well-formed UTF-8. */
        public String utf8() throws MalformedProtobufException {
            if (wire != WireType.LEN) {
                throw wrongWireType("a length-delimited one");
            }
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes, from, to - from)).toString();
            } catch (CharacterCodingException e) {
                throw new MalformedProtobufException("has a string that is not UTF-8 in field " + number);
            }
        }

        private MalformedProtobufException wrongWireType(String expected) {
            return new MalformedProtobufException("encodes field " + number + " with wire type " + wire
                    + " where " + expected + " belongs");
        }
    }
}
