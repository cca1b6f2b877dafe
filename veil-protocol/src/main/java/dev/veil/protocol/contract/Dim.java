package dev.veil.protocol.contract;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import dev.veil.protocol.json.MayBeAbsent;
import java.io.IOException;

/**
 * One dimension of a tensor's shape, written in the contract as ONNX writes it: a number for a fixed size, a string
 * for a free dimension the model names (ONNX's {@code dim_param}, e.g. the batch {@code "N"}), {@code null} for a free
 * dimension it leaves unnamed.
 */
@JsonDeserialize(using = Dim.Reader.class)
public sealed interface Dim permits Dim.Fixed, Dim.Free {
    /** Longest free-dimension name accepted. */
    int MAX_NAME_LENGTH = 256;

    static Dim fixed(long size) {
        return new Fixed(size);
    }

    static Dim free(String name) {
        return new Free(name);
    }

    static Dim unnamed() {
        return new Free(null);
    }

    /** A dimension of exactly {@code size} elements. */
    record Fixed(long size) implements Dim {
        public Fixed {
            if (size < 0) {
                throw new IllegalArgumentException("a shape dimension is " + size + "; fixed sizes are 0 or more");
            }
        }

        @JsonValue
        @Override
        public long size() {
            return size;
        }

        @Override
        public String toString() {
            return Long.toString(size);
        }
    }

    /** A dimension whose size the model leaves open; {@code name} is null when the model does not name it. */
    record Free(@MayBeAbsent String name) implements Dim {
        public Free {
            if (name != null) {
                SignatureText.requireName(name, "a free dimension's name", MAX_NAME_LENGTH);
            }
        }

        @JsonValue
        @Override
        public String name() {
            return name;
        }

        @Override
        public String toString() {
            return name == null ? "?" : name;
        }
    }

    /** Strict: an integer of 0 or more, a non-empty name, or null; nothing else (no 64.0, no "64", no "" for null). */
    final class Reader extends StdDeserializer<Dim> {
        Reader() {
            super(Dim.class);
        }

        @Override
        public Dim deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonToken t = p.currentToken();
            try {
                if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                    return new Fixed(p.getLongValue());
                }
                if (t == JsonToken.VALUE_STRING) {
                    return new Free(p.getText());
                }
            } catch (IllegalArgumentException e) {
                throw ValueInstantiationException.from(p, e.getMessage(), ctxt.constructType(Dim.class), e);
            }
            return ctxt.reportInputMismatch(this, "a shape dimension must be a size (0 or more), a name or null");
        }

        @Override
        public Dim getNullValue(DeserializationContext ctxt) {
            return unnamed();
        }
    }
}
