package dev.veil.attest.nitro;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.veil.attest.AttestationException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An AWS Nitro Enclaves attestation document: a COSE_Sign1 structure (RFC 9052; CBOR array of protected header,
 * unprotected header, payload, signature, optionally under tag 18) whose payload is a CBOR map with module_id, digest,
 * timestamp, pcrs, certificate, cabundle and the optional public_key, user_data and nonce. Layout only, no crypto.
 */
public record NitroDocument(byte[] protectedHeader, byte[] payload, byte[] signature, int algorithm, String moduleId,
                            String digest, long timestamp, Map<Integer, byte[]> pcrs, byte[] certificate,
                            List<byte[]> caBundle, byte[] publicKey, byte[] userData, byte[] nonce) {
    public static final int ES384 = -35;
    /**
     * Size limits of AWS's specification (aws-nitro-enclaves-nsm-api docs/attestation_process.md §2.2 and
     * §3.2.2.2): payload 1..16384, certificates 1..1024, public_key 1..1024, user_data and nonce 0..512. The bundle
     * bound is ours: AWS's chains have four certificates.
     */
    static final int MAX_PAYLOAD = 16384;
    static final int MAX_CERTIFICATE = 1024;
    static final int MAX_PUBLIC_KEY = 1024;
    static final int MAX_USER_DATA = 512;
    static final int MAX_BUNDLE = 16;
    static final java.util.Set<String> FIELDS = java.util.Set.of("module_id", "digest", "timestamp", "pcrs", "certificate",
            "cabundle", "public_key", "user_data", "nonce");
    private static final CBORMapper CBOR = CBORMapper.builder(CBORFactory.builder().build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    public static NitroDocument parse(byte[] bytes) throws AttestationException {
        JsonNode cose = read(bytes, "COSE_Sign1");
        if (!cose.isArray() || cose.size() != 4) {
            throw new AttestationException("Nitro COSE_Sign1", describe(cose), "a CBOR array of 4 items");
        }
        byte[] prot = binary(cose.get(0), "COSE protected header");
        byte[] payload = binary(cose.get(2), "COSE payload");
        byte[] sig = binary(cose.get(3), "COSE signature");
        if (!cose.get(1).isObject()) {
            throw new AttestationException("COSE unprotected header", describe(cose.get(1)), "a CBOR map");
        }
        JsonNode header = read(prot, "COSE protected header");
        JsonNode alg = header.get("1");
        if (alg == null || !alg.isIntegralNumber()) {
            throw new AttestationException("COSE protected header alg (1)", alg == null ? "absent" : describe(alg), "-35 (ES384)");
        }
        requireSize("COSE payload", payload.length, 1, MAX_PAYLOAD);
        JsonNode doc = read(payload, "attestation document payload");
        if (!doc.isObject()) {
            throw new AttestationException("attestation document payload", describe(doc), "a CBOR map");
        }
        for (Iterator<String> names = doc.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new AttestationException("attestation document field", name, "only " + FIELDS + " (AWS attestation_process.md §3.2.2.1)");
            }
        }
        String moduleId = text(doc, "module_id");
        String digest = text(doc, "digest");
        if (!"SHA384".equals(digest)) {
            throw new AttestationException("attestation document digest", digest, "SHA384");
        }
        JsonNode ts = doc.get("timestamp");
        if (ts == null || !ts.isIntegralNumber() || !ts.canConvertToLong() || ts.asLong() <= 0) {
            throw new AttestationException("attestation document timestamp", ts == null ? "absent" : describe(ts),
                    "an unsigned integer > 0, milliseconds since 1970");
        }
        JsonNode pcrNode = doc.get("pcrs");
        if (pcrNode == null || !pcrNode.isObject() || pcrNode.size() == 0 || pcrNode.size() > 32) {
            throw new AttestationException("attestation document pcrs", pcrNode == null ? "absent" : describe(pcrNode), "a map of 1..32 PCRs");
        }
        Map<Integer, byte[]> pcrs = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = pcrNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int index;
            try {
                index = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw new AttestationException("attestation document PCR index", e.getKey(), "0..31");
            }
            byte[] v = binary(e.getValue(), "PCR" + index);
            if (index < 0 || index > 31 || (v.length != 32 && v.length != 48 && v.length != 64)) {
                throw new AttestationException("attestation document PCR" + index, v.length + " bytes", "index 0..31 and 32, 48 or 64 bytes");
            }
            pcrs.put(index, v);
        }
        byte[] cert = binary(doc.get("certificate"), "attestation document certificate");
        requireSize("attestation document certificate", cert.length, 1, MAX_CERTIFICATE);
        JsonNode bundle = doc.get("cabundle");
        if (bundle == null || !bundle.isArray() || bundle.isEmpty() || bundle.size() > MAX_BUNDLE) {
            throw new AttestationException("attestation document cabundle", bundle == null ? "absent" : describe(bundle),
                    "an array of 1.." + MAX_BUNDLE + " certificates, root first");
        }
        List<byte[]> ca = new ArrayList<>();
        for (JsonNode c : bundle) {
            byte[] der = binary(c, "cabundle entry " + ca.size());
            requireSize("cabundle entry " + ca.size(), der.length, 1, MAX_CERTIFICATE);
            ca.add(der);
        }
        return new NitroDocument(prot, payload, sig, alg.asInt(), moduleId, digest, ts.asLong(), pcrs, cert, ca,
                optional(doc, "public_key", 1, MAX_PUBLIC_KEY), optional(doc, "user_data", 0, MAX_USER_DATA),
                optional(doc, "nonce", 0, MAX_USER_DATA));
    }

    private static void requireSize(String what, int length, int min, int max) throws AttestationException {
        if (length < min || length > max) {
            throw new AttestationException(what + " size", length + " bytes",
                    min + ".." + max + " bytes (AWS Nitro Enclaves attestation document specification)");
        }
    }

    /** Whether PCR0 is all zeros: AWS zeroes the PCRs of an enclave started with --debug-mode. */
    public boolean debugMode() {
        byte[] pcr0 = pcrs.get(0);
        if (pcr0 == null) {
            return false;
        }
        for (byte x : pcr0) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    /** The bytes COSE signs: CBOR ["Signature1", protected, h'' (external_aad), payload] (RFC 9052 §4.4). */
    public byte[] sigStructure() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + protectedHeader.length + 32);
        out.write(0x84);                                        // array(4)
        byte[] context = "Signature1".getBytes(StandardCharsets.US_ASCII);
        head(out, 3, context.length);
        out.writeBytes(context);
        head(out, 2, protectedHeader.length);
        out.writeBytes(protectedHeader);
        head(out, 2, 0);                                        // empty external_aad
        head(out, 2, payload.length);
        out.writeBytes(payload);
        return out.toByteArray();
    }

    private static void head(ByteArrayOutputStream out, int major, long len) {
        int m = major << 5;
        if (len < 24) {
            out.write(m | (int) len);
        } else if (len < 0x100) {
            out.write(m | 24);
            out.write((int) len);
        } else if (len < 0x10000) {
            out.write(m | 25);
            out.write((int) (len >>> 8));
            out.write((int) len);
        } else {
            out.write(m | 26);
            for (int s = 24; s >= 0; s -= 8) {
                out.write((int) (len >>> s));
            }
        }
    }

    private static JsonNode read(byte[] b, String what) throws AttestationException {
        try {
            JsonNode n = CBOR.readTree(b);
            if (n == null || n.isMissingNode()) {
                throw new AttestationException(what, "empty", "CBOR");
            }
            return n;
        } catch (IOException | RuntimeException e) {
            throw new AttestationException(what, "not well-formed CBOR", "CBOR (RFC 8949)");
        }
    }

    private static byte[] binary(JsonNode n, String what) throws AttestationException {
        if (n == null || !n.isBinary()) {
            throw new AttestationException(what, n == null ? "absent" : describe(n), "a CBOR byte string");
        }
        try {
            return n.binaryValue();
        } catch (IOException e) {
            throw new AttestationException(what, "unreadable", "a CBOR byte string");
        }
    }

    /**
     * An optional field: absent, or CBOR null as AWS's NSM writes a field the enclave did not set, or a byte string of
     * {@code min..max} bytes.
     */
    private static byte[] optional(JsonNode doc, String field, int min, int max) throws AttestationException {
        JsonNode n = doc.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        byte[] v = binary(n, "attestation document " + field);
        requireSize("attestation document " + field, v.length, min, max);
        return v;
    }

    private static String text(JsonNode doc, String field) throws AttestationException {
        JsonNode n = doc.get(field);
        if (n == null || !n.isTextual() || n.asText().isEmpty()) {
            throw new AttestationException("attestation document " + field, n == null ? "absent" : describe(n), "a non-empty text string");
        }
        return n.asText();
    }

    private static String describe(JsonNode n) {
        return n.getNodeType().name().toLowerCase();
    }
}
