package dev.veil.attest.x509;

import dev.veil.attest.AttestationException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One collateral blob of certificates and CRLs read to its last byte, or refused: DER (one or several concatenated,
 * each element's encoding exactly its bytes) or PEM (any mix of CERTIFICATE and X509 CRL blocks, strict base64,
 * nothing but whitespace between them). Nothing is skipped: where a verifier's own collateral takes precedence over
 * the host's, a blob left unread would make its kind look absent from the verifier's side, and the host's copy would
 * then decide in its place. Shared by every platform that has such a precedence (Intel DCAP, AMD SEV-SNP).
 */
public final class X509Blob {
    private static final int UTF8_BOM_LENGTH = 3;
    private static final int SEQUENCE = 0x30;
    private static final Pattern PEM_BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]{1,40})-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");

    /** What one blob holds. */
    public record Contents(List<X509Certificate> certificates, List<X509CRL> crls) {
        public Contents {
            certificates = List.copyOf(certificates);
            crls = List.copyOf(crls);
        }
    }

    private final String name;
    private final String kinds;
    private final String expected;
    private final List<X509Certificate> certificates = new ArrayList<>();
    private final List<X509CRL> crls = new ArrayList<>();

    private X509Blob(String name, String kinds, String expected) {
        this.name = name;
        this.kinds = kinds;
        this.expected = expected;
    }

    /**
     * Reads {@code blob} whole. A UTF-8 byte order mark before the content is dropped (editors add one; it is outside
     * every signature); any other encoding is refused.
     *
     * @param name which blob, for the refusal (e.g. "verifier's collateral item 3 of 7")
     * @param kinds what the caller reads, for a blob that is none of it (e.g. "a certificate or CRL")
     * @param expected what the caller accepts, for the refusal
     */
    public static Contents read(byte[] blob, String name, String kinds, String expected) throws AttestationException {
        byte[] content = withoutUtf8Bom(blob);
        X509Blob reader = new X509Blob(name, kinds, expected);
        if (content.length > 0 && (content[0] & 0xff) == SEQUENCE) {
            reader.add(reader.readDer(content, "DER"));
        } else if (new String(content, StandardCharsets.ISO_8859_1).contains("-----BEGIN ")) {
            reader.readPem(new String(content, StandardCharsets.ISO_8859_1));
        } else {
            throw reader.refuse(reader.unrecognised(blob));
        }
        return new Contents(reader.certificates, reader.crls);
    }

    /**
     * Whether {@code blob} is, or looks meant to be, certificates or CRLs: DER, PEM, or one of the encodings that hide
     * them from a reader (UTF-16, hex, bare base64 of DER). {@link #read} refuses what it then cannot read. Text and
     * data of other kinds (notes, reports, JSON) are not: a caller that takes a directory of mixed files may pass them by.
     */
    public static boolean mayHoldX509(byte[] blob) {
        byte[] content = withoutUtf8Bom(blob);
        if (content.length == 0) {
            return false;
        }
        if ((content[0] & 0xff) == SEQUENCE || content.length >= 2 && ((content[0] & 0xff) == 0xFE && (content[1] & 0xff) == 0xFF
                || (content[0] & 0xff) == 0xFF && (content[1] & 0xff) == 0xFE)) {
            return true;
        }
        String text = new String(content, StandardCharsets.ISO_8859_1);
        String compact = text.replaceAll("\\s", "");
        return text.contains("-----BEGIN ")
                || !compact.isEmpty() && compact.chars().allMatch(c -> Character.digit(c, 16) >= 0)
                || compact.startsWith("MI") && compact.chars().allMatch(c -> Character.isLetterOrDigit(c) && c < 0x80 || c == '+' || c == '/' || c == '=');
    }

    /** {@code blob} without a leading UTF-8 byte order mark. */
    public static byte[] withoutUtf8Bom(byte[] blob) {
        boolean bom = blob.length >= UTF8_BOM_LENGTH && (blob[0] & 0xff) == 0xEF && (blob[1] & 0xff) == 0xBB && (blob[2] & 0xff) == 0xBF;
        return bom ? Arrays.copyOfRange(blob, UTF8_BOM_LENGTH, blob.length) : blob;
    }

    /** Why a blob is none of the accepted forms, in words an operator can act on. */
    private String unrecognised(byte[] blob) {
        if (blob.length == 0) {
            return "empty";
        }
        if (blob.length >= 2 && ((blob[0] & 0xff) == 0xFE && (blob[1] & 0xff) == 0xFF || (blob[0] & 0xff) == 0xFF && (blob[1] & 0xff) == 0xFE)) {
            return "UTF-16 text (save it as UTF-8)";
        }
        String text = new String(blob, StandardCharsets.ISO_8859_1).strip();
        if (!text.isEmpty() && text.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            return "hex text (decode it to DER first)";
        }
        return "not " + kinds + " (it begins " + HexFormat.of().formatHex(blob, 0, Math.min(blob.length, 4)) + ")";
    }

    /** PEM: every block a CERTIFICATE or an X509 CRL, strict base64, nothing but whitespace outside the blocks. */
    private void readPem(String text) throws AttestationException {
        Matcher m = PEM_BLOCK.matcher(text);
        int end = 0;
        int block = 0;
        while (m.find()) {
            block++;
            if (!text.substring(end, m.start()).isBlank()) {
                throw refuse("PEM with text or a damaged block before block " + block);
            }
            String label = m.group(1);
            if (!label.equals("CERTIFICATE") && !label.equals("X509 CRL")) {
                throw refuse("PEM block " + block + " of type '" + label + "'");
            }
            byte[] der;
            try {
                der = Base64.getDecoder().decode(m.group(2).replaceAll("\\s", ""));
            } catch (IllegalArgumentException e) {
                throw refuse("PEM block " + block + " with invalid base64");
            }
            List<Object> items = readDer(der, "PEM block " + block);
            Class<?> wanted = label.equals("CERTIFICATE") ? X509Certificate.class : X509CRL.class;
            if (items.size() != 1 || !wanted.isInstance(items.get(0))) {
                throw refuse("PEM block " + block + " labelled " + label + " that does not hold exactly one of that kind");
            }
            add(items);
            end = m.end();
        }
        if (block == 0 || !text.substring(end).isBlank()) {
            throw refuse(block == 0 ? "PEM without a complete block" : "PEM with text or a damaged block after block " + block);
        }
    }

    /** DER: one or more complete SEQUENCEs, each a certificate or a CRL whose encoding is exactly those bytes. */
    private List<Object> readDer(byte[] der, String where) throws AttestationException {
        if (der.length == 0) {
            throw refuse(where + " that is empty");
        }
        List<Object> items = new ArrayList<>();
        int at = 0;
        while (at < der.length) {
            int length = elementLength(der, at, where);
            items.add(readElement(Arrays.copyOfRange(der, at, at + length), where));
            at += length;
        }
        return items;
    }

    private void add(List<Object> items) {
        for (Object item : items) {
            if (item instanceof X509Certificate c) {
                certificates.add(c);
            } else {
                crls.add((X509CRL) item);
            }
        }
    }

    /** The full length (header and content) of the DER SEQUENCE at {@code at}, refused if it runs past the end. */
    private int elementLength(byte[] der, int at, String where) throws AttestationException {
        if ((der[at] & 0xff) != SEQUENCE || at + 2 > der.length) {
            throw refuse(where + " with data that is not a DER certificate or CRL at byte " + at);
        }
        int first = der[at + 1] & 0xff;
        int header = 2;
        long content;
        if (first < 0x80) {
            content = first;
        } else {
            int n = first & 0x7f;
            if (n == 0 || n > 4 || at + 2 + n > der.length) {
                throw refuse(where + " with a malformed DER length at byte " + at);
            }
            content = 0;
            for (int i = 0; i < n; i++) {
                content = (content << 8) | (der[at + 2 + i] & 0xff);
            }
            header += n;
        }
        if (at + header + content > der.length) {
            throw refuse(where + " cut short: the element at byte " + at + " needs " + (header + content) + " bytes, "
                    + (der.length - at) + " remain");
        }
        return (int) (header + content);
    }

    /** The certificate or CRL whose encoding is exactly {@code element}. */
    private Object readElement(byte[] element, String where) throws AttestationException {
        try {
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            try {
                X509Certificate c = (X509Certificate) f.generateCertificate(new ByteArrayInputStream(element));
                if (Arrays.equals(c.getEncoded(), element)) {
                    return c;
                }
            } catch (CertificateException | RuntimeException notACertificate) {
                // a CRL, perhaps
            }
            try {
                X509CRL crl = (X509CRL) f.generateCRL(new ByteArrayInputStream(element));
                if (Arrays.equals(crl.getEncoded(), element)) {
                    return crl;
                }
            } catch (CRLException | RuntimeException notACrl) {
                // neither: refused below
            }
        } catch (CertificateException noFactory) {
            throw new IllegalStateException(noFactory);
        }
        throw refuse(where + " holding a DER element that is neither a certificate nor a CRL");
    }

    private AttestationException refuse(String what) {
        return new AttestationException(name, what, expected);
    }
}
