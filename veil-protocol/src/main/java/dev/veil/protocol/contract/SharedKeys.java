package dev.veil.protocol.contract;

import dev.veil.protocol.identity.CanonicalKeys;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.util.Arrays;

/**
 * Whether two provider identities share any key. A shared signing key would let one party sign as the other; a
 * shared key-agreement key (or the X25519 half of a hybrid key) would let the model provider open results sealed
 * to the data provider.
 */
final class SharedKeys {
    private static final int X25519_PUBLIC_KEY_LENGTH = 32;

    private SharedKeys() {
    }

    /** Names the first key the two identities share, or null when they share none. */
    static String between(PublicIdentity a, PublicIdentity b) {
        // A second encoding of the same signing key is refused by ContractVerifier's canonical-key check.
        if (Arrays.equals(a.signingKey(), b.signingKey())) {
            return "a signing key";
        }
        if (shareKeyAgreement(a, b)) {
            return "a key-agreement key";
        }
        return null;
    }

    private static boolean shareKeyAgreement(PublicIdentity a, PublicIdentity b) {
        byte[] ka = a.keyAgreementKey();
        byte[] kb = b.keyAgreementKey();
        if (Arrays.equals(ka, kb)) {
            return true;
        }
        if (a.keyAgreementSuite() == b.keyAgreementSuite()) {
            return false;
        }
        byte[] x25519 = a.keyAgreementSuite() == KeyWrapSuite.X25519 ? ka : kb;
        byte[] hybrid = a.keyAgreementSuite() == KeyWrapSuite.X25519 ? kb : ka;
        if (x25519.length != X25519_PUBLIC_KEY_LENGTH || hybrid.length <= X25519_PUBLIC_KEY_LENGTH) {
            return false;
        }
        // The hybrid key's X25519 half is not checked for canonical form, so compare the keys X25519 actually uses.
        byte[] single = CanonicalKeys.x25519Reduced(x25519);
        return Arrays.equals(single, CanonicalKeys.x25519Reduced(Arrays.copyOfRange(hybrid, 0, X25519_PUBLIC_KEY_LENGTH)))
                || Arrays.equals(single, CanonicalKeys.x25519Reduced(
                        Arrays.copyOfRange(hybrid, hybrid.length - X25519_PUBLIC_KEY_LENGTH, hybrid.length)));
    }
}
