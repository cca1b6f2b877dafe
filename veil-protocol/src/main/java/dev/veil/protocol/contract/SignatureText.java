package dev.veil.protocol.contract;

import java.util.List;

/** The rules and the wording shared by every part of a model signature. */
final class SignatureText {
    private SignatureText() {
    }

    /**
     * Names are shown to both providers and quoted in one-line errors: non-empty, bounded, and free of control and
     * invisible formatting characters (which could make one name look like another on a terminal).
     */
    static void requireName(String name, String what, int maxLength) {
        if (name.isEmpty() || name.length() > maxLength) {
            throw new IllegalArgumentException(what + " must be 1.." + maxLength + " characters long");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                throw new IllegalArgumentException(what + " '" + printable(name) + "' holds a control or formatting character");
            }
        }
    }

    /** A name as it may be quoted in a message: printable ASCII, bounded. */
    static String printable(String s) {
        if (s == null) {
            return "null";
        }
        String p = s.replaceAll("[^\\x20-\\x7e]", "?");
        return p.length() > 60 ? p.substring(0, 60) + "..." : p;
    }

    /** "[N, 64]", "[?, 3]", or "of any rank". */
    static String shape(List<Dim> shape) {
        if (shape == null) {
            return "of any rank";
        }
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < shape.size(); i++) {
            b.append(i > 0 ? ", " : "").append(printable(shape.get(i).toString()));
        }
        return b.append(']').toString();
    }
}
