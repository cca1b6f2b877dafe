package dev.veil.attest.dcap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.veil.attest.AttestationException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Intel PCS collateral as served: {@code {"tcbInfo": {...}, "signature": "hex"}} or {@code {"enclaveIdentity": ...}}.
 * The signature (ECDSA P-256, r‖s) covers the exact bytes of the inner object as they appear in the response, so the
 * signed bytes are cut from the original text, never re-serialised (a pretty-printed copy no longer verifies).
 */
record SignedJson(String field, byte[] signedBytes, byte[] signature, JsonNode body) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Returns null when the blob is not JSON carrying {@code field}. */
    static SignedJson parse(byte[] blob, String field) throws AttestationException {
        String text = new String(blob, StandardCharsets.UTF_8);
        String key = "\"" + field + "\"";
        int k = text.indexOf(key);
        if (!text.stripLeading().startsWith("{") || k < 0) {
            return null;
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(blob);
        } catch (java.io.IOException e) {
            throw new AttestationException(field + " collateral", "not valid JSON", "an Intel PCS response");
        }
        if (tree == null || !tree.has(field) || !tree.path("signature").isTextual()) {
            throw new AttestationException(field + " collateral", "missing '" + field + "' or 'signature'", "an Intel PCS response");
        }
        int start = text.indexOf('{', k + key.length());
        int end = matchingBrace(text, start);
        if (start < 0 || end < 0) {
            throw new AttestationException(field + " collateral", "unbalanced JSON", "an Intel PCS response");
        }
        byte[] signed = text.substring(start, end + 1).getBytes(StandardCharsets.UTF_8);
        byte[] sig;
        try {
            sig = HexFormat.of().parseHex(tree.get("signature").asText());
        } catch (IllegalArgumentException e) {
            throw new AttestationException(field + " signature", "not hex", "64 bytes r||s in hex");
        }
        return new SignedJson(field, signed, sig, tree.get(field));
    }

    /** The index of the brace closing the object that opens at {@code start}, skipping strings. */
    private static int matchingBrace(String s, int start) {
        if (start < 0) {
            return -1;
        }
        int depth = 0;
        boolean inString = false;
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SignedJson s && Arrays.equals(s.signedBytes, signedBytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(signedBytes);
    }
}
