package dev.veil.attest.json;

/**
 * A JSON document is not what its reader requires: where ({@code path}, e.g. {@code tcbInfo.tcbLevels[2].tcbStatus}),
 * what was found (a short description, never the document) and what was expected.
 */
public final class JsonFormatException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String path;
    private final String found;
    private final String expected;

    public JsonFormatException(String path, String found, String expected) {
        super(path + " is " + found + ", expected " + expected);
        this.path = path;
        this.found = found;
        this.expected = expected;
    }

    public String path() {
        return path;
    }

    public String found() {
        return found;
    }

    public String expected() {
        return expected;
    }
}
