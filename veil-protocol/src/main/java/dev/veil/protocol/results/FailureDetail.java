package dev.veil.protocol.results;

import dev.veil.protocol.contract.Role;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.Hpke;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The detailed reason for a failure, HPKE-sealed to one provider (the data provider for anything about its data), so
 * that the host relaying the connection and the other provider see only the {@link dev.veil.protocol.receipt.FailureCode}.
 * Layout: enc length (u16, big-endian) | enc | HPKE ciphertext of: text length (u16, big-endian) | UTF-8 detail |
 * zero padding to {@link #PADDED_BYTES}. Every sealed detail has the same length, so its length on the wire says
 * nothing about the text (which may quote the data provider's data).
 * It is confidential, not authenticated by itself: anyone can seal text to a public key. The failure message that
 * carries it is signed by the attested instance key (see {@link dev.veil.protocol.wire.FailureSignature}).
 */
public final class FailureDetail {
    /** Longer details are cut: enough for a line and column, not for a dump of the input. */
    public static final int MAX_CHARS = 1000;
    /** The padded plaintext's length: the text's length prefix, the longest cut text, and padding. */
    public static final int PADDED_BYTES = 4096;
    private static final int MAX_SEALED = 16 * 1024;

    private FailureDetail() {
    }

    public static byte[] seal(String detail, PublicIdentity recipient, Role role, byte[] contractHash) throws ProtocolException {
        String cut = detail.length() > MAX_CHARS ? detail.substring(0, MAX_CHARS) + "..." : detail;
        byte[] text = cut.getBytes(StandardCharsets.UTF_8);
        while (text.length > PADDED_BYTES - 2) {   // only for text of many multi-byte characters: cut a character at a time
            cut = cut.substring(0, cut.offsetByCodePoints(cut.length(), -1));
            text = cut.getBytes(StandardCharsets.UTF_8);
        }
        byte[] padded = ByteBuffer.allocate(PADDED_BYTES).putShort((short) text.length).put(text).array();
        Hpke.Sealed s = Hpke.seal(recipient.keyAgreementSuite(), recipient.keyAgreementKey(), info(contractHash),
                aad(role, recipient.fingerprint()), padded);
        return ByteBuffer.allocate(2 + s.enc().length + s.ciphertext().length)
                .putShort((short) s.enc().length).put(s.enc()).put(s.ciphertext()).array();
    }

    public static String open(byte[] sealed, Identity recipient, Role role, byte[] contractHash) throws ProtocolException {
        if (sealed.length < 2 || sealed.length > MAX_SEALED) {
            throw new ProtocolException("sealed failure detail has a bad length");
        }
        int encLength = ByteBuffer.wrap(sealed, 0, 2).getShort() & 0xffff;
        if (2 + encLength > sealed.length) {
            throw new ProtocolException("sealed failure detail is truncated");
        }
        byte[] text = Hpke.open(recipient.keyAgreement(), info(contractHash), aad(role, recipient.publicIdentity().fingerprint()),
                new Hpke.Sealed(Arrays.copyOfRange(sealed, 2, 2 + encLength), Arrays.copyOfRange(sealed, 2 + encLength, sealed.length)));
        int length = text.length == PADDED_BYTES ? ByteBuffer.wrap(text, 0, 2).getShort() & 0xffff : -1;
        if (length < 0 || length > PADDED_BYTES - 2) {
            throw new ProtocolException("sealed failure detail is not padded to " + PADDED_BYTES + " bytes");
        }
        for (int i = 2 + length; i < text.length; i++) {
            if (text[i] != 0) {
                throw new ProtocolException("sealed failure detail's padding is not zero");
            }
        }
        return new String(text, 2, length, StandardCharsets.UTF_8);
    }

    static byte[] info(byte[] contractHash) {
        return Digests.labelled256("veil failure detail v1", contractHash);
    }

    static byte[] aad(Role role, String recipientFingerprint) {
        return Digests.labelled256("veil failure detail aad v1", role.id().getBytes(StandardCharsets.US_ASCII),
                recipientFingerprint.getBytes(StandardCharsets.US_ASCII));
    }
}
