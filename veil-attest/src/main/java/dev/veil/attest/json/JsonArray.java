package dev.veil.attest.json;

import java.util.List;

/** A JSON array read by {@link StrictJson}. */
public record JsonArray(String path, List<JsonValue> elements) implements JsonValue {
    public JsonArray {
        elements = List.copyOf(elements);
    }

    @Override
    public String kind() {
        return "an array";
    }

    /** Each element as an object, refusing any that is not one. */
    public List<JsonObject> objects() throws JsonFormatException {
        for (JsonValue v : elements) {
            if (!(v instanceof JsonObject)) {
                throw new JsonFormatException(v.path(), v.kind(), "an object");
            }
        }
        return elements.stream().map(JsonObject.class::cast).toList();
    }

    /** Each element as a string, refusing any that is not one. */
    public List<String> strings() throws JsonFormatException {
        for (JsonValue v : elements) {
            if (!(v instanceof JsonValue.Text)) {
                throw new JsonFormatException(v.path(), v.kind(), "a string");
            }
        }
        return elements.stream().map(v -> ((JsonValue.Text) v).value()).toList();
    }
}
