package dev.veil.attest.json;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A JSON object read by {@link StrictJson}, with the exact bytes it was read from: a signature over an object is
 * checked over {@link #bytes()}, and the typed value is built from the members of this same object, so the object
 * that is verified is the object that is used. Keys are unique (the reader refuses duplicates). Getters name the
 * member's path, what it holds and what was required when they refuse; none falls back to a default.
 */
public final class JsonObject implements JsonValue {
    private static final int SHOWN = 48;
    private final String path;
    private final Map<String, JsonValue> members;
    private final byte[] source;
    private final int start;
    private final int end;

    JsonObject(String path, Map<String, JsonValue> members, byte[] source, int start, int end) {
        this.path = path;
        this.members = Collections.unmodifiableMap(new LinkedHashMap<>(members));
        this.source = source;
        this.start = start;
        this.end = end;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String kind() {
        return "an object";
    }

    /** The bytes of this object exactly as they appear in the document, braces included. */
    public byte[] bytes() {
        return Arrays.copyOfRange(source, start, end);
    }

    public Set<String> keys() {
        return members.keySet();
    }

    public boolean has(String key) {
        return members.containsKey(key);
    }

    /** Refuses members other than {@code allowed}: for envelopes whose shape is fixed. */
    public void requireOnly(Set<String> allowed) throws JsonFormatException {
        for (String k : members.keySet()) {
            if (!allowed.contains(k)) {
                throw new JsonFormatException(path + " member '" + shorten(k) + "'", "present", "only " + new TreeSet<>(allowed));
            }
        }
    }

    public JsonValue required(String key) throws JsonFormatException {
        JsonValue v = members.get(key);
        if (v == null) {
            throw new JsonFormatException(child(key), "absent", "a required member");
        }
        return v;
    }

    public Optional<JsonValue> optional(String key) {
        return Optional.ofNullable(members.get(key));
    }

    public String string(String key) throws JsonFormatException {
        return text(required(key));
    }

    public JsonObject object(String key) throws JsonFormatException {
        JsonValue v = required(key);
        if (v instanceof JsonObject o) {
            return o;
        }
        throw new JsonFormatException(v.path(), v.kind(), "an object");
    }

    public JsonArray array(String key) throws JsonFormatException {
        return array(required(key));
    }

    public Optional<JsonArray> optionalArray(String key) throws JsonFormatException {
        JsonValue v = members.get(key);
        return v == null ? Optional.empty() : Optional.of(array(v));
    }

    /** A JSON integer (no fraction, no exponent, not a string) within [min, max]. */
    public long integer(String key, long min, long max) throws JsonFormatException {
        JsonValue v = required(key);
        if (!(v instanceof JsonValue.Number n) || !n.integral()) {
            throw new JsonFormatException(v.path(), v.kind(), "an integer from " + min + " to " + max);
        }
        long value;
        try {
            value = Long.parseLong(n.text());
        } catch (NumberFormatException e) {
            throw new JsonFormatException(v.path(), "the integer " + shorten(n.text()), "an integer from " + min + " to " + max);
        }
        if (value < min || value > max) {
            throw new JsonFormatException(v.path(), Long.toString(value), "an integer from " + min + " to " + max);
        }
        return value;
    }

    /** An ISO-8601 instant in UTC, e.g. {@code 2025-06-19T10:16:03Z}. */
    public Instant instant(String key) throws JsonFormatException {
        JsonValue v = required(key);
        String s = text(v);
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new JsonFormatException(v.path(), "'" + shorten(s) + "'", "an ISO-8601 UTC time such as 2025-06-19T10:16:03Z");
        }
    }

    /** A hex string of exactly {@code length} bytes (either case), as written. */
    public String hexString(String key, int length) throws JsonFormatException {
        JsonValue v = required(key);
        String s = text(v);
        if (s.length() != 2 * length || !s.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new JsonFormatException(v.path(), "'" + shorten(s) + "'", length + " bytes in hex (" + 2 * length + " hex digits)");
        }
        return s;
    }

    /** A hex string of exactly {@code length} bytes, decoded. */
    public byte[] hex(String key, int length) throws JsonFormatException {
        return HexFormat.of().parseHex(hexString(key, length));
    }

    private String child(String key) {
        return path + "." + shorten(key);
    }

    private static String text(JsonValue v) throws JsonFormatException {
        if (v instanceof JsonValue.Text t) {
            return t.value();
        }
        throw new JsonFormatException(v.path(), v.kind(), "a string");
    }

    private static JsonArray array(JsonValue v) throws JsonFormatException {
        if (v instanceof JsonArray a) {
            return a;
        }
        throw new JsonFormatException(v.path(), v.kind(), "an array");
    }

    /** Untrusted text in a message is cut short: a message names the problem, it never echoes a document. */
    static String shorten(String s) {
        String printable = s.codePoints().map(c -> c < 0x20 || c == 0x7f ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return printable.length() <= SHOWN ? printable : printable.substring(0, SHOWN) + "…";
    }
}
