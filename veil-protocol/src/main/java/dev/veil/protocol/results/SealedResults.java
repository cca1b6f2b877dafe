package dev.veil.protocol.results;

import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.SealException;
import dev.veil.seal.Sealer;
import dev.veil.seal.Unsealer;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Results only the data provider can open: a fresh result key seals the output (the sealed-asset format), and HPKE
 * wraps that key to the data provider's key-agreement key with the contract hash in {@code info}.
 * Layout: magic "VEILRES1" | envelope length (u32, big-endian) | envelope JSON | sealed results.
 */
public final class SealedResults {
    private static final byte[] MAGIC = {'V', 'E', 'I', 'L', 'R', 'E', 'S', '1'};
    private static final int MAX_ENVELOPE = 64 * 1024;

    /** Unencrypted envelope: who it is for, under which contract, and the wrapped key. */
    public record Envelope(String contractHash, String recipient, KeyWrapSuite suite, byte[] enc, byte[] wrappedKey) {
    }

    private SealedResults() {
    }

    public static byte[] seal(byte[] output, PublicIdentity recipient, byte[] contractHash) throws ProtocolException {
        try (AssetKey resultKey = AssetKey.generate()) {
            byte[] raw = resultKey.bytes();
            Hpke.Sealed wrapped;
            try {
                wrapped = Hpke.seal(recipient.keyAgreementSuite(), recipient.keyAgreementKey(), info(contractHash),
                        aad(Digests.hex(contractHash), recipient.fingerprint()), raw);
            } finally {
                Arrays.fill(raw, (byte) 0);
            }
            byte[] envelope = Json.canonical(new Envelope(Digests.hex(contractHash), recipient.fingerprint(),
                    recipient.keyAgreementSuite(), wrapped.enc(), wrapped.ciphertext()));
            byte[] sealed = new Sealer().sealBytes(output, resultKey, ContentType.RESULTS);
            ByteArrayOutputStream out = new ByteArrayOutputStream(12 + envelope.length + sealed.length);
            out.writeBytes(MAGIC);
            out.writeBytes(ByteBuffer.allocate(4).putInt(envelope.length).array());
            out.writeBytes(envelope);
            out.writeBytes(sealed);
            return out.toByteArray();
        }
    }

    /** Opens results with the data provider's identity; returns the plaintext output. */
    public static byte[] open(byte[] sealedResults, Identity recipient) throws ProtocolException {
        if (sealedResults.length < 12 || !Arrays.equals(sealedResults, 0, 8, MAGIC, 0, 8)) {
            throw new ProtocolException("not a Veil results file (bad magic)");
        }
        int len = ByteBuffer.wrap(sealedResults, 8, 4).getInt();
        if (len < 0 || len > MAX_ENVELOPE || 12L + len > sealedResults.length) {
            throw new ProtocolException("results file envelope length " + len + " is out of bounds; the file is corrupt");
        }
        Envelope env = Json.parse(Arrays.copyOfRange(sealedResults, 12, 12 + len), Envelope.class, "results envelope");
        if (!env.recipient().equals(recipient.publicIdentity().fingerprint())) {
            throw new ProtocolException("these results are sealed for " + env.recipient() + ", not for identity "
                    + recipient.publicIdentity().fingerprint());
        }
        if (env.suite() != recipient.keyAgreement().suite()) {
            throw new ProtocolException("results wrapped with " + env.suite().id() + " but the identity has a "
                    + recipient.keyAgreement().suite().id() + " key");
        }
        byte[] raw = Hpke.open(recipient.keyAgreement(), info(HexBytes.parse(env.contractHash())),
                aad(env.contractHash(), env.recipient()), new Hpke.Sealed(env.enc(), env.wrappedKey()));
        try (AssetKey key = AssetKey.fromBytes(raw)) {
            return Unsealer.unsealBytes(Arrays.copyOfRange(sealedResults, 12 + len, sealedResults.length), key).plaintext();
        } catch (SealException e) {
            throw new ProtocolException(e.getMessage());
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    private static byte[] info(byte[] contractHash) {
        return Digests.labelled256("veil results v1", contractHash);
    }

    private static byte[] aad(String contractHashHex, String recipient) {
        return Digests.labelled256("veil results envelope v1", contractHashHex.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                recipient.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** Strict hex decoding for envelope fields. */
    static final class HexBytes {
        static byte[] parse(String hex) throws ProtocolException {
            try {
                return java.util.HexFormat.of().parseHex(hex);
            } catch (IllegalArgumentException e) {
                throw new ProtocolException("results envelope contract hash is not hex");
            }
        }
    }
}
