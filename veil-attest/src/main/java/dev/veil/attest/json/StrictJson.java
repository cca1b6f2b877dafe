package dev.veil.attest.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads untrusted JSON once, strictly, with Jackson's streaming parser: UTF-8 only, one object at the top, nothing
 * after it but whitespace, no member name twice in any object at any depth, bounded nesting and sizes. Every object
 * keeps the byte range it was read from (token offsets reported by the parser, never a text search), so a signature
 * can be checked over exactly the bytes whose members are then used.
 */
public final class StrictJson {
    /** Far above any collateral, contract or policy; a bound so a hostile peer cannot make us buffer without end. */
    public static final int MAX_BYTES = 4 << 20;
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxNumberLength(64)
                    .maxStringLength(MAX_BYTES).build())
            .build();

    private StrictJson() {
    }

    /**
     * The document's top-level object. {@code name} roots every path in messages (e.g. "TCB Info response").
     *
     * @throws JsonFormatException when the bytes are not exactly one JSON object as described above
     */
    public static JsonObject parseObject(byte[] document, String name) throws JsonFormatException {
        if (document.length > MAX_BYTES) {
            throw new JsonFormatException(name, document.length + " bytes", "at most " + MAX_BYTES + " bytes");
        }
        for (byte b : document) {
            if (b == 0) {   // UTF-16/32 text has NUL bytes; JSON in UTF-8 never does
                throw new JsonFormatException(name, "not UTF-8 (it contains NUL bytes)", "a UTF-8 JSON object");
            }
        }
        try (JsonParser p = FACTORY.createParser(document)) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT || p.currentTokenLocation().getByteOffset() < 0) {
                throw new JsonFormatException(name, first == null ? "empty" : "a JSON " + first.asString() + " first",
                        "a JSON object");
            }
            JsonObject root = readObject(p, document, name);
            JsonToken after = next(p, name);
            if (after != null) {
                throw new JsonFormatException(name, "followed by more data at byte " + p.currentTokenLocation().getByteOffset(),
                        "one JSON object and nothing after it");
            }
            return root;
        } catch (IOException e) {
            throw new JsonFormatException(name, "not valid JSON (" + describe(e) + ")", "one well-formed JSON object");
        }
    }

    private static JsonObject readObject(JsonParser p, byte[] doc, String path) throws IOException, JsonFormatException {
        int start = Math.toIntExact(p.currentTokenLocation().getByteOffset());
        Map<String, JsonValue> members = new LinkedHashMap<>();
        for (JsonToken t = next(p, path); t != JsonToken.END_OBJECT; t = next(p, path)) {
            String key = p.currentName();
            next(p, path);
            members.put(key, readValue(p, doc, path + "." + JsonObject.shorten(key)));
        }
        int end = Math.toIntExact(p.currentTokenLocation().getByteOffset()) + 1;
        return new JsonObject(path, members, doc, start, end);
    }

    private static JsonValue readValue(JsonParser p, byte[] doc, String path) throws IOException, JsonFormatException {
        JsonToken t = p.currentToken();
        return switch (t) {
            case START_OBJECT -> readObject(p, doc, path);
            case START_ARRAY -> {
                List<JsonValue> elements = new ArrayList<>();
                for (JsonToken e = next(p, path); e != JsonToken.END_ARRAY; e = next(p, path)) {
                    elements.add(readValue(p, doc, path + "[" + elements.size() + "]"));
                }
                yield new JsonArray(path, elements);
            }
            case VALUE_STRING -> new JsonValue.Text(path, p.getText());
            case VALUE_NUMBER_INT -> new JsonValue.Number(path, p.getText(), true);
            case VALUE_NUMBER_FLOAT -> new JsonValue.Number(path, p.getText(), false);
            case VALUE_TRUE, VALUE_FALSE -> new JsonValue.Bool(path, t == JsonToken.VALUE_TRUE);
            case VALUE_NULL -> new JsonValue.Null(path);
            default -> throw new JsonFormatException(path, "the token " + t, "a JSON value");
        };
    }

    /** The next token; a duplicate member name is reported at the object where it occurs. */
    private static JsonToken next(JsonParser p, String path) throws IOException, JsonFormatException {
        try {
            return p.nextToken();
        } catch (StreamReadException e) {
            if (e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate")) {
                throw new JsonFormatException(path, "an object with a member name twice (" + describe(e) + ")",
                        "each member name at most once");
            }
            throw e;
        }
    }

    private static String describe(IOException e) {
        String m = e instanceof StreamReadException s && s.getOriginalMessage() != null ? s.getOriginalMessage() : e.getClass().getSimpleName();
        return JsonObject.shorten(m.lines().findFirst().orElse(m));
    }
}
