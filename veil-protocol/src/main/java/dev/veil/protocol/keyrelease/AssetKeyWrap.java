package dev.veil.protocol.keyrelease;

import dev.veil.protocol.json.ProtocolException;
import dev.veil.seal.AssetKey;
import dev.veil.seal.SealException;
import java.util.Arrays;

/**
 * The only code that handles raw asset-key bytes outside {@link AssetKey}: HPKE-wraps a key (with an optional public
 * trailer such as a commitment salt) to a recipient, and unwraps it back into an {@link AssetKey}. Every temporary
 * copy is wiped here, in one place, whichever way the call ends.
 */
public final class AssetKeyWrap {
    private AssetKeyWrap() {
    }

    /** An unwrapped key and the trailer that travelled with it. */
    public record Unwrapped(AssetKey key, byte[] trailer) {
    }

    public static Hpke.Sealed wrap(AssetKey key, byte[] trailer, KeyWrapSuite suite, byte[] recipientPublicKey, byte[] info,
                                   byte[] aad) throws ProtocolException {
        return key.withRawKeyBytes(raw -> {
            byte[] plaintext = new byte[raw.length + trailer.length];
            try {
                System.arraycopy(raw, 0, plaintext, 0, raw.length);
                System.arraycopy(trailer, 0, plaintext, raw.length, trailer.length);
                return Hpke.seal(suite, recipientPublicKey, info, aad, plaintext);
            } finally {
                Arrays.fill(plaintext, (byte) 0);
            }
        });
    }

    /** Opens a wrapped key; the plaintext must be exactly a key followed by {@code trailerLength} bytes. */
    public static Unwrapped unwrap(KemKeyPair recipient, byte[] info, byte[] aad, Hpke.Sealed sealed, int trailerLength)
            throws ProtocolException {
        byte[] plaintext = Hpke.open(recipient, info, aad, sealed);
        byte[] keyBytes = Arrays.copyOf(plaintext, Math.min(plaintext.length, AssetKey.LENGTH));
        try {
            if (plaintext.length != AssetKey.LENGTH + trailerLength) {
                throw new ProtocolException("wrapped key has " + plaintext.length + " bytes, expected "
                        + (AssetKey.LENGTH + trailerLength));
            }
            AssetKey key = AssetKey.fromBytes(keyBytes);
            return new Unwrapped(key, Arrays.copyOfRange(plaintext, AssetKey.LENGTH, plaintext.length));
        } catch (SealException e) {
            throw new ProtocolException("wrapped key is malformed");
        } finally {
            Arrays.fill(plaintext, (byte) 0);
            Arrays.fill(keyBytes, (byte) 0);
        }
    }
}
