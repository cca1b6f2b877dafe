package dev.veil.attest.json;

/**
 * One value of a document read by {@link StrictJson}: every value knows its path in the document, so a reader that
 * refuses it can say exactly where. Numbers keep their text, so nothing is rounded before a reader decides what it
 * accepts.
 */
public sealed interface JsonValue permits JsonObject, JsonArray, JsonValue.Text, JsonValue.Number, JsonValue.Bool, JsonValue.Null {
    String path();

    /** What kind of value this is, for messages: "a string", "an object", … */
    String kind();

    record Text(String path, String value) implements JsonValue {
        @Override
        public String kind() {
            return "a string";
        }
    }

    /** A JSON number as written; {@code integral} is false when it has a fraction or exponent. */
    record Number(String path, String text, boolean integral) implements JsonValue {
        @Override
        public String kind() {
            return integral ? "the integer " + text : "the non-integer number " + text;
        }
    }

    record Bool(String path, boolean value) implements JsonValue {
        @Override
        public String kind() {
            return "a boolean";
        }
    }

    record Null(String path) implements JsonValue {
        @Override
        public String kind() {
            return "null";
        }
    }
}
