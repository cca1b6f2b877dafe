package dev.veil.protocol.text;

/**
 * What a command prints about a failure is often quoted from something a peer or a host wrote: evidence fields, a
 * contract's names, an enclave's reason. Printed as is, a newline forges a line of the user's terminal ("veil:
 * evidence verified") and an escape sequence rewrites the screen. Every failure line goes through here: control and
 * formatting characters become Java-style {@code \\u} escapes of four hex digits, so a failure is always exactly one
 * line of visible text.
 */
public final class TerminalText {
    private TerminalText() {
    }

    public static String escape(String text) {
        StringBuilder b = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (Character.isISOControl(cp) || Character.getType(cp) == Character.FORMAT
                    || Character.getType(cp) == Character.LINE_SEPARATOR || Character.getType(cp) == Character.PARAGRAPH_SEPARATOR) {
                b.append(String.format("\\u%04x", cp));
            } else {
                b.appendCodePoint(cp);
            }
        });
        return b.toString();
    }
}
