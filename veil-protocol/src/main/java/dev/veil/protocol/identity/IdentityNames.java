package dev.veil.protocol.identity;

import java.text.Normalizer;
import java.util.regex.Pattern;

/**
 * What an identity name may be. The name is free text of the identity's owner printed next to the fingerprint people
 * compare out of band, so it must not be able to imitate or disturb that fingerprint: printable text only (no
 * control, format or bidi characters such as U+202E, no line breaks, no unassigned or private-use code points), a
 * bounded length, and nothing shaped like a fingerprint (checked after NFKC, so full-width digits count as digits).
 */
final class IdentityNames {
    static final int MAX_LENGTH = 100;
    /** Three or more groups of four hex digits, with or without separators: a fingerprint or a convincing part of one. */
    private static final Pattern FINGERPRINT_SHAPED = Pattern.compile("[0-9a-fA-F]{4}(?:[^0-9a-zA-Z]?[0-9a-fA-F]{4}){2,}");

    private IdentityNames() {
    }

    /** Why {@code name} cannot name an identity, or null when it can. */
    static String problem(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_LENGTH) {
            return "identity name must be 1.." + MAX_LENGTH + " characters";
        }
        if (!name.equals(name.strip())) {
            return "identity name must not start or end with white space";
        }
        for (int i = 0; i < name.length(); ) {
            int cp = name.codePointAt(i);
            if (!printable(cp)) {
                return String.format("identity name contains U+%04X, which is not printable text (control, format, bidi, "
                        + "line break, unassigned or private use); use letters, digits, spaces and punctuation", cp);
            }
            i += Character.charCount(cp);
        }
        if (FINGERPRINT_SHAPED.matcher(Normalizer.normalize(name, Normalizer.Form.NFKC)).find()) {
            return "identity name must not look like a fingerprint (groups of hex digits); the fingerprint is shown on its own";
        }
        return null;
    }

    private static boolean printable(int cp) {
        if (Character.isWhitespace(cp) && cp != ' ') {
            return false;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED, Character.SPACE_SEPARATOR -> cp == ' ';
            default -> true;
        };
    }
}
