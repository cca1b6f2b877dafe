package dev.veil.attest.dcap;

import dev.veil.attest.AttestationException;
import dev.veil.attest.json.JsonFormatException;
import dev.veil.attest.json.JsonObject;
import dev.veil.attest.json.StrictJson;
import java.util.Set;

/**
 * Intel PCS collateral as served: exactly {@code {"tcbInfo": {...}, "signature": "hex"}} or
 * {@code {"enclaveIdentity": {...}, "signature": "hex"}}. The response is read once by {@link StrictJson} (duplicate
 * member names refused at every depth, nothing after the object); the signed bytes are the inner object's bytes as
 * the parser located them, and the typed value is built from that same object. A pretty-printed copy therefore no
 * longer verifies, and no second object elsewhere in the text can be verified in place of the one used.
 */
final class PcsResponse {
    private static final String TCB_INFO = "tcbInfo";
    private static final String QE_IDENTITY = "enclaveIdentity";
    private static final String SIGNATURE = "signature";

    private PcsResponse() {
    }

    /** True when the blob is JSON (its first non-blank byte opens an object): then it must be a PCS response. */
    static boolean isJson(byte[] blob) {
        for (byte b : blob) {
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return b == '{';
            }
        }
        return false;
    }

    static Signed<? extends IntelSigned> read(byte[] blob) throws AttestationException {
        try {
            JsonObject top = StrictJson.parseObject(blob, "PCS response");
            boolean tcb = top.has(TCB_INFO);
            if (tcb == top.has(QE_IDENTITY)) {
                throw new AttestationException("PCS response members", top.keys().isEmpty() ? "none" : String.join(", ",
                        top.keys().stream().map(k -> k.length() > 24 ? k.substring(0, 24) + "…" : k).toList()),
                        "exactly one of tcbInfo or enclaveIdentity, and signature");
            }
            String field = tcb ? TCB_INFO : QE_IDENTITY;
            top.requireOnly(Set.of(field, SIGNATURE));
            JsonObject body = top.object(field);
            byte[] signature = top.hex(SIGNATURE, 64);
            IntelSigned value = tcb ? TcbInfo.read(body) : QeIdentity.read(body);
            return new Signed<>(value, body.bytes(), signature);
        } catch (JsonFormatException e) {
            throw new AttestationException(e.path(), e.found(), e.expected());
        }
    }
}
