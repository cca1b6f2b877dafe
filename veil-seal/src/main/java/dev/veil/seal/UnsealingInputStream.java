package dev.veil.seal;

import dev.veil.seal.stream.DecryptingInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A sealed asset's plaintext, pulled as it is decrypted. Each byte handed out belongs to a segment whose tag verified
 * (so it is the key holder's, unaltered), but the asset as a whole is vouched for only at the end: the clean end of the
 * stream comes only after the last segment verified, the length equals the header's and, with
 * {@link Unsealer.DigestCheck#RECOMPUTE}, the SHA-256 equals the header's. Until then a reader must treat what it read
 * as provisional (the enclave's pipeline releases no result before the end). Every refusal is a {@link Refused}.
 */
public final class UnsealingInputStream extends InputStream {
    /** The sealed asset was refused; the message says why and what to do. */
    public static final class Refused extends IOException {
        private final SealException reason;

        Refused(SealException reason) {
            super(reason.getMessage(), reason);
            this.reason = reason;
        }

        public SealException reason() {
            return reason;
        }
    }

    private final SealHeader header;
    private final DecryptingInputStream plain;
    private final MessageDigest sha;
    private long done;
    private boolean verified;

    private UnsealingInputStream(SealHeader header, DecryptingInputStream plain, MessageDigest sha) {
        this.header = header;
        this.plain = plain;
        this.sha = sha;
    }

    /**
     * @param afterHeader the sealed bytes that follow {@code header} (already read and checked against {@code key})
     */
    public static UnsealingInputStream open(SealHeader header, InputStream afterHeader, AssetKey key, Unsealer.DigestCheck check)
            throws IOException {
        if (!MessageDigest.isEqual(header.keyId(), key.id())) {
            throw new Refused(new SealException("wrong key: this " + header.contentType().label() + " was sealed with key id "
                    + header.keyIdHex() + " but the key given has id " + key.idHex()));
        }
        MessageDigest sha;
        try {
            sha = check == Unsealer.DigestCheck.RECOMPUTE ? MessageDigest.getInstance("SHA-256") : null;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try {
            return new UnsealingInputStream(header, DecryptingInputStream.open(key.rawForCipher(), header.encode(),
                    header.segmentSize(), afterHeader), sha);
        } catch (DecryptingInputStream.Tampered e) {
            throw tampered(header, e);
        }
    }

    public SealHeader header() {
        return header;
    }

    /** True once the end was reached and every check passed. */
    public boolean verified() {
        return verified;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n;
        try {
            n = plain.read(b, off, len);
        } catch (DecryptingInputStream.Tampered e) {
            throw tampered(header, e);
        }
        if (n < 0) {
            verifyEnd();
            return -1;
        }
        if (done + n > header.plaintextSize()) {
            throw new Refused(new SealException("sealed " + header.contentType().label()
                    + " holds more data than its header declares; it was tampered with"));
        }
        if (sha != null) {
            sha.update(b, off, n);
        }
        done += n;
        return n;
    }

    private void verifyEnd() throws Refused {
        if (verified) {
            return;
        }
        if (done != header.plaintextSize()) {
            throw new Refused(new SealException("sealed " + header.contentType().label() + " is truncated: decrypted " + done
                    + " bytes, header declares " + header.plaintextSize()));
        }
        if (sha != null) {
            byte[] digest = sha.digest();
            if (!MessageDigest.isEqual(digest, header.plaintextSha256())) {
                throw new Refused(new SealException("sealed " + header.contentType().label() + " plaintext SHA-256 is "
                        + HexFormat.of().formatHex(digest) + " but its header declares " + header.plaintextSha256Hex()));
            }
        }
        verified = true;
    }

    private static Refused tampered(SealHeader header, DecryptingInputStream.Tampered e) {
        return new Refused(new SealException("sealed " + header.contentType().label() + " is corrupt, truncated or was tampered with ("
                + e.getMessage() + "); obtain a fresh copy from its owner"));
    }

    /** Wipes the decryption buffer and key; does not close the sealed source. */
    @Override
    public void close() {
        plain.close();
    }
}
