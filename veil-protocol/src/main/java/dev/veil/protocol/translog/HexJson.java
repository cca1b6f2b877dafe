package dev.veil.protocol.translog;

import com.fasterxml.jackson.annotation.JacksonAnnotationsInside;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.HexFormat;

/**
 * Hashes, commitments and salts in the log's JSON are lowercase hex, as digests are everywhere in the protocol (a
 * receipt's {@code contract_hash}, a commitment a person compares); signatures stay base64, as in receipts. One
 * spelling only: uppercase or odd-length hex is refused.
 */
final class HexJson {
    private HexJson() {
    }

    /** A {@code byte[]} component written and read as hex. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER})
    @JacksonAnnotationsInside
    @JsonSerialize(using = Writer.class)
    @JsonDeserialize(using = Reader.class)
    @interface Hex {
    }

    /** A {@code List<byte[]>} component whose elements are written and read as hex. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER})
    @JacksonAnnotationsInside
    @JsonSerialize(contentUsing = Writer.class)
    @JsonDeserialize(contentUsing = Reader.class)
    @interface HexElements {
    }

    static final class Writer extends StdSerializer<byte[]> {
        Writer() {
            super(byte[].class);
        }

        @Override
        public void serialize(byte[] value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeString(HexFormat.of().formatHex(value));
        }
    }

    static final class Reader extends StdDeserializer<byte[]> {
        Reader() {
            super(byte[].class);
        }

        @Override
        public byte[] deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                return (byte[]) ctxt.handleUnexpectedToken(byte[].class, p);
            }
            String text = p.getText();
            if (text.length() % 2 != 0 || !text.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return (byte[]) ctxt.handleWeirdStringValue(byte[].class, text, "not lowercase hex");
            }
            return HexFormat.of().parseHex(text);
        }
    }
}
