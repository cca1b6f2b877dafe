package dev.veil.enclave;

/**
 * Makes text that a peer controls safe to put in a log line: control characters (newlines above all, which would let
 * a peer forge log lines) and non-ASCII become {@code \\uXXXX}, backslashes are doubled, and the result is cut to a
 * bounded length. Text derived from the data provider's data never reaches the log at all, escaped or not; this is for
 * what peers send about themselves (a refused contract, a malformed message).
 */
public final class LogText {
    static final int MAX_CHARS = 300;

    private LogText() {
    }

    public static String escape(String peerText) {
        if (peerText == null) {
            return "(none)";
        }
        StringBuilder sb = new StringBuilder(Math.min(peerText.length(), MAX_CHARS) + 16);
        int i = 0;
        for (; i < peerText.length() && sb.length() < MAX_CHARS; i++) {
            char c = peerText.charAt(i);
            if (c == '\\') {
                sb.append("\\\\");
            } else if (c < 0x20 || c >= 0x7f) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (i < peerText.length()) {
            sb.append("...");
        }
        return sb.toString();
    }
}
