package dev.veil.protocol.json;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.cfg.MutableCoercionConfig;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;
import java.util.List;

/**
 * The one JSON configuration of the protocol: contracts, receipts, wire messages, identities and reference-value
 * policies all go through it. Canonical form (sorted keys, no whitespace) is what gets hashed and signed; parsing is
 * strict so a signed document cannot carry unsigned extras and what is verified is what is used: unknown fields,
 * duplicate keys (else the last would silently win over the first) and trailing data are errors.
 */
public final class Json {
    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .withCoercionConfigDefaults(Json::refuseScalarCoercion)
            .withCoercionConfig(LogicalType.Float, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.TryConvert))
            .build();
    private static final ObjectMapper PRETTY = CANONICAL.copy().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    /**
     * A value is read only from its own JSON type: "true" or 1 is not a boolean, "17" or 115.9 is not an integer, 17
     * is not a string. Otherwise a document a reader takes for one thing would be signed and enforced as another (a
     * truncated fraction relaxes a minimum). Applies to every document kind, since all are read here. An integer may
     * still fill a fractional field: that widening loses nothing.
     */
    private static void refuseScalarCoercion(MutableCoercionConfig config) {
        for (CoercionInputShape shape : List.of(CoercionInputShape.Boolean, CoercionInputShape.Integer,
                CoercionInputShape.Float, CoercionInputShape.String, CoercionInputShape.EmptyString)) {
            config.setCoercion(shape, CoercionAction.Fail);
        }
    }

    public static ObjectMapper mapper() {
        return CANONICAL;
    }

    public static byte[] canonical(Object value) {
        try {
            return CANONICAL.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    public static String pretty(Object value) {
        try {
            return PRETTY.writeValueAsString(value) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    /**
     * Parses untrusted JSON; the exception message names the first problem in one line, without echoing documents.
     * Every part of a protocol record must be present unless declared {@link MayBeAbsent} ({@link RequiredParts}).
     */
    public static <T> T parse(byte[] json, Class<T> type, String what) throws ProtocolException {
        try {
            T v = CANONICAL.readValue(json, type);
            if (v == null) {
                throw new ProtocolException(what + " is empty");
            }
            String absent = RequiredParts.firstAbsent(v);
            if (absent != null) {
                throw new ProtocolException(what + " is not valid: '" + shorten(absent) + "' is missing");
            }
            return v;
        } catch (IOException e) {
            throw new ProtocolException(what + " is not valid: " + reason(e));
        }
    }

    /** What went wrong in words a user can act on, instead of Jackson's class names and feature flags. */
    private static String reason(IOException e) {
        if (e instanceof UnrecognizedPropertyException u) {
            String parent = path(u.getPath().subList(0, u.getPath().size() - 1));
            return "unknown field '" + shorten(u.getPropertyName()) + "'" + (parent.isEmpty() ? "" : " at " + parent);
        }
        String at = e instanceof JsonMappingException m && !m.getPath().isEmpty() ? " at " + path(m.getPath()) : "";
        if (e instanceof ValueInstantiationException v && v.getCause() instanceof IllegalArgumentException c && c.getMessage() != null) {
            // a record's own check, worded for people
            return oneLine(c.getMessage()) + at;
        }
        if (e instanceof ValueInstantiationException) {
            // a constructor that met a left-out part before RequiredParts could name it: never Java's own text
            return "a required part is missing or malformed" + (at.isEmpty() ? " in the document" : " at " + at.substring(4));
        }
        String original = e instanceof JacksonException j ? j.getOriginalMessage() : e.getMessage();
        if (original == null) {
            return e.getClass().getSimpleName() + at;
        }
        if (original.startsWith("Trailing token")) {
            return "trailing data after the JSON document";
        }
        if (original.startsWith("Duplicate field")) {
            return "duplicate key " + original.substring("Duplicate field ".length()) + at;
        }
        if (e instanceof JsonMappingException) {
            return "wrong type or value" + (at.isEmpty() ? " of the document" : at);
        }
        return oneLine(original) + at;
    }

    /** "contract.enclave.measurements[0]", or empty for the top level. */
    private static String path(java.util.List<JsonMappingException.Reference> refs) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : refs) {
            if (r.getFieldName() != null) {
                b.append(b.isEmpty() ? "" : ".").append(shorten(r.getFieldName()));
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.toString();
    }

    private static String oneLine(String s) {
        String line = s.lines().findFirst().orElse("");
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }

    private static String shorten(String s) {
        String printable = s.replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() > 60 ? printable.substring(0, 60) + "..." : printable;
    }
}
