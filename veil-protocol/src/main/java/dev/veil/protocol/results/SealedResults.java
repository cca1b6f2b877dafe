package dev.veil.protocol.results;

import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.AssetKeyWrap;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.receipt.ResultCommitments;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.SealException;
import dev.veil.seal.SealHeader;
import dev.veil.seal.UnsealingInputStream;
import dev.veil.seal.Sealer;
import dev.veil.seal.Unsealer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Results only the data provider can open: a fresh result key seals the output (the sealed-asset format), and HPKE
 * wraps that key, followed by the receipt's commitment salt, to the data provider's key-agreement key with the
 * contract hash in {@code info}.
 * Layout: magic "VEILRES3" | envelope length (u32, big-endian) | envelope JSON | sealed results. The sealed
 * plaintext is: row count (u64, big-endian) | output length (u32, big-endian) | output | zero padding up to the length
 * the enclave chose from the row count and the output policy, so that the sealed size (sent in the clear) does not
 * depend on the output's bytes; the row count and the padding are inside the seal, never in the clear.
 */
public final class SealedResults {
    static final byte[] MAGIC = {'V', 'E', 'I', 'L', 'R', 'E', 'S', '3'};
    private static final int MAX_ENVELOPE = 64 * 1024;

    /** Unencrypted envelope: who it is for, under which contract, and the wrapped key and salt. */
    public record Envelope(String contractHash, String recipient, KeyWrapSuite suite, byte[] enc, byte[] wrappedKey) {
    }

    /** Sealed results with the salt the enclave used for the receipt's commitments. */
    public record Sealed(byte[] bytes, byte[] commitmentSalt) {
    }

    /** Opened results: the output, the salt that opens the receipt's commitments, and the output's row count. */
    public record Opened(byte[] output, byte[] commitmentSalt, long rows) {
    }

    private static final int FRAMING = 8 + 4;
    /** Zero bytes to hash padding from and to compare padding with: the padding is never held whole. */
    private static final byte[] ZEROS = new byte[1 << 16];

    private SealedResults() {
    }

    /** Where the output is read from; opened once per pass (once to hash it, once to seal it). */
    public interface OutputSource {
        InputStream open() throws IOException;
    }

    /** What sealing a stream gives besides the sealed bytes: the salt and the output commitment for the receipt. */
    public record StreamSealed(byte[] commitmentSalt, String outputCommitment) {
    }

    /**
     * @param rows the output's row count, sealed with it
     * @param paddedLength the output is zero-padded to this many bytes inside the seal (at least its own length)
     */
    public static Sealed seal(byte[] output, long rows, int paddedLength, PublicIdentity recipient, byte[] contractHash)
            throws ProtocolException {
        ByteArrayOutputStream sealed = new ByteArrayOutputStream(FRAMING + paddedLength + paddedLength / 64 + 512);
        try {
            StreamSealed s = seal(() -> new ByteArrayInputStream(output), rows, output.length, paddedLength, recipient,
                    contractHash, sealed);
            return new Sealed(sealed.toByteArray(), s.commitmentSalt());
        } catch (IOException e) {
            throw new IllegalStateException("sealing in memory failed", e);
        }
    }

    /**
     * Seals an output of {@code outputLength} bytes, read twice from {@code output} (first to hash the framed plaintext
     * for the sealed header and to commit to the output, then to encrypt it), to {@code sink}; memory stays bounded by a
     * segment whatever the output's size. A source that gives another length on either pass fails.
     */
    public static StreamSealed seal(OutputSource output, long rows, int outputLength, int paddedLength, PublicIdentity recipient,
                                    byte[] contractHash, OutputStream sink) throws ProtocolException, IOException {
        if (paddedLength < outputLength || outputLength < 0 || rows < 0 || paddedLength > Integer.MAX_VALUE - FRAMING) {
            throw new IllegalArgumentException("padded length below the output's length, or a negative length or row count");
        }
        byte[] framing = ByteBuffer.allocate(FRAMING).putLong(rows).putInt(outputLength).array();
        byte[] salt = ResultCommitments.newSalt();
        ResultCommitments.OutputCommitment commitment = new ResultCommitments.OutputCommitment(salt, outputLength);
        MessageDigest sha = sha256();
        sha.update(framing);
        try (InputStream in = new ExactLengthInputStream(output.open(), outputLength)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
                commitment.update(buf, 0, n);
            }
            Arrays.fill(buf, (byte) 0);
        }
        for (long left = paddedLength - outputLength; left > 0; ) {
            int n = (int) Math.min(ZEROS.length, left);
            sha.update(ZEROS, 0, n);
            left -= n;
        }
        byte[] framedSha = sha.digest();
        try (AssetKey resultKey = AssetKey.generate()) {
            Hpke.Sealed wrapped = AssetKeyWrap.wrap(resultKey, salt, recipient.keyAgreementSuite(), recipient.keyAgreementKey(),
                    info(contractHash), aad(Digests.hex(contractHash), recipient.fingerprint()));
            byte[] envelope = Json.canonical(new Envelope(Digests.hex(contractHash), recipient.fingerprint(),
                    recipient.keyAgreementSuite(), wrapped.enc(), wrapped.ciphertext()));
            sink.write(MAGIC);
            sink.write(ByteBuffer.allocate(4).putInt(envelope.length).array());
            sink.write(envelope);
            try (InputStream framed = new SequenceInputStream(java.util.Collections.enumeration(java.util.List.of(
                    new ByteArrayInputStream(framing), new ExactLengthInputStream(output.open(), outputLength),
                    new ZeroInputStream(paddedLength - outputLength))))) {
                new Sealer().sealStream(framed, FRAMING + (long) paddedLength, framedSha, sink, resultKey, ContentType.RESULTS);
            }
            return new StreamSealed(salt, commitment.hex());
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Opens results held in memory with the data provider's identity. */
    public static Opened open(byte[] sealedResults, Identity recipient) throws ProtocolException {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try {
            OpenedStream o = open(new ByteArrayInputStream(sealedResults), recipient, output);
            return new Opened(output.toByteArray(), o.commitmentSalt(), o.rows());
        } catch (IOException e) {
            throw new IllegalStateException("in-memory stream failed", e);
        }
    }

    /** What opening a stream of sealed results gives besides the output written: the salt, row count and commitment. */
    public record OpenedStream(byte[] commitmentSalt, long rows, long outputLength, String outputCommitment) {
    }

    /**
     * Opens results as they stream in, writing the output to {@code output} and computing its commitment on the way;
     * memory stays bounded by a segment. Only a normal return vouches for what was written (every segment, the digest,
     * the framing and the padding verified): on an exception the caller must discard it.
     */
    public static OpenedStream open(InputStream sealed, Identity recipient, OutputStream output) throws ProtocolException, IOException {
        byte[] head = sealed.readNBytes(12);
        if (head.length < 12 || !Arrays.equals(head, 0, 8, MAGIC, 0, 8)) {
            throw new ProtocolException("not a Veil results file (bad magic)");
        }
        int len = ByteBuffer.wrap(head, 8, 4).getInt();
        if (len < 0 || len > MAX_ENVELOPE) {
            throw new ProtocolException("results file envelope length " + len + " is out of bounds; the file is corrupt");
        }
        byte[] envelope = sealed.readNBytes(len);
        if (envelope.length != len) {
            throw new ProtocolException("results file envelope length " + len + " is out of bounds; the file is corrupt");
        }
        Envelope env = Json.parse(envelope, Envelope.class, "results envelope");
        if (env.recipient() == null || env.contractHash() == null || env.enc() == null || env.wrappedKey() == null) {
            throw new ProtocolException("results envelope is incomplete");
        }
        if (!env.recipient().equals(recipient.publicIdentity().fingerprint())) {
            throw new ProtocolException("these results are sealed for " + env.recipient() + ", not for identity "
                    + recipient.publicIdentity().fingerprint());
        }
        if (env.suite() != recipient.keyAgreement().suite()) {
            throw new ProtocolException("results wrapped with " + env.suite().id() + " but the identity has a "
                    + recipient.keyAgreement().suite().id() + " key");
        }
        AssetKeyWrap.Unwrapped unwrapped = AssetKeyWrap.unwrap(recipient.keyAgreement(), info(hexBytes(env.contractHash())),
                aad(env.contractHash(), env.recipient()), new Hpke.Sealed(env.enc(), env.wrappedKey()), ResultCommitments.SALT_LENGTH);
        byte[] salt = unwrapped.trailer();
        try (AssetKey key = unwrapped.key()) {
            SealHeader header = Unsealer.readHeader(sealed);
            if (header.contentType() != ContentType.RESULTS) {
                throw new ProtocolException("the sealed part of these results holds a " + header.contentType().label() + ", not results");
            }
            try (UnsealingInputStream plain = UnsealingInputStream.open(header, sealed, key, Unsealer.DigestCheck.RECOMPUTE)) {
                return unframe(plain, header.plaintextSize(), salt, output);
            } catch (UnsealingInputStream.Refused e) {
                throw new ProtocolException(e.getMessage());
            }
        } catch (SealException e) {
            throw new ProtocolException(e.getMessage());
        }
    }

    /** Strict: the framing must fit, and everything after the output must be zero padding up to the verified end. */
    private static OpenedStream unframe(UnsealingInputStream plain, long plaintextSize, byte[] salt, OutputStream output)
            throws IOException, ProtocolException {
        byte[] framing = plain.readNBytes(FRAMING);
        if (framing.length < FRAMING) {
            throw new ProtocolException("sealed results are too short to hold their framing; the file is corrupt");
        }
        ByteBuffer b = ByteBuffer.wrap(framing);
        long rows = b.getLong();
        int length = b.getInt();
        if (rows < 0 || length < 0 || length > plaintextSize - FRAMING) {
            throw new ProtocolException("sealed results' framing is out of bounds; the file is corrupt");
        }
        ResultCommitments.OutputCommitment commitment = new ResultCommitments.OutputCommitment(salt, length);
        byte[] buf = new byte[1 << 16];
        long left = length;
        while (left > 0) {
            int n = plain.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new ProtocolException("sealed results end inside their output; the file is corrupt");
            }
            commitment.update(buf, 0, n);
            output.write(buf, 0, n);
            left -= n;
        }
        int n;
        while ((n = plain.read(buf)) >= 0) {
            if (Arrays.mismatch(buf, 0, n, ZEROS, 0, n) >= 0) {
                throw new ProtocolException("sealed results' padding is not zero; the file is corrupt");
            }
        }
        Arrays.fill(buf, (byte) 0);
        return new OpenedStream(salt, rows, length, commitment.hex());
    }

    /** {@code n} zero bytes, given without being held: the padding of a large output is tens of MiB. */
    private static final class ZeroInputStream extends InputStream {
        private long left;

        ZeroInputStream(long n) {
            this.left = n;
        }

        @Override
        public int read() {
            if (left == 0) {
                return -1;
            }
            left--;
            return 0;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (left == 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            Arrays.fill(b, off, off + n, (byte) 0);
            left -= n;
            return n;
        }
    }

    static byte[] info(byte[] contractHash) {
        return Digests.labelled256("veil results v2", contractHash);
    }

    static byte[] aad(String contractHashHex, String recipient) {
        return Digests.labelled256("veil results envelope v2", contractHashHex.getBytes(StandardCharsets.US_ASCII),
                recipient.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] hexBytes(String hex) throws ProtocolException {
        try {
            return HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("results envelope contract hash is not hex");
        }
    }
}
