package dev.veil.attest;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;

/** Evidence files arrive as raw bytes, hex (optionally 0x-prefixed) or base64; this tells them apart by content. */
public final class EvidenceEncoding {
    private EvidenceEncoding() {
    }

    public static byte[] decode(byte[] file) {
        String text = new String(file, StandardCharsets.ISO_8859_1).strip();
        if (text.startsWith("0x") || text.startsWith("0X")) {
            text = text.substring(2);
        }
        String compact = text.replaceAll("\\s", "");
        if (!compact.isEmpty() && compact.length() % 2 == 0 && compact.matches("[0-9a-fA-F]+")) {
            return HexFormat.of().parseHex(compact);
        }
        if (!compact.isEmpty() && compact.matches("[A-Za-z0-9+/=_-]+")) {
            try {
                return compact.contains("-") || compact.contains("_")
                        ? Base64.getUrlDecoder().decode(compact) : Base64.getDecoder().decode(compact);
            } catch (IllegalArgumentException notBase64) {
                return file;
            }
        }
        return file;
    }
}
