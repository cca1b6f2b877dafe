package dev.veil.provider;

import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.SealHeader;
import dev.veil.seal.UnsealingInputStream;
import dev.veil.seal.Unsealer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Each provider's check, on its own machine and before it records the contract as run or connects, that the sealed
 * file it is about to release a key for is the asset the contract is about: a model for the model provider, whose
 * plaintext digest is the contract's model digest; a dataset for the data provider, whose digest is the contract's pin
 * when it has one. Otherwise the enclave would be the first to notice, after the key moved and the contract was spent
 * (ModelProviderWrongAssetAttackTest). The sealed header is authenticated first, by opening its first segment with the
 * provider's own key: a header that claims another digest does not open.
 */
public final class AssetCheck {
    private AssetCheck() {
    }

    public static void requireContractsAsset(SessionContract contract, Role role, SealedAsset sealed, AssetKey key)
            throws ProtocolException, IOException {
        SealHeader header = authenticatedHeader(sealed, key);
        ContentType expected = role == Role.MODEL_PROVIDER ? ContentType.MODEL : ContentType.DATASET;
        if (header.contentType() != expected) {
            throw new ProtocolException("the sealed file is a " + header.contentType().label() + ", but as the "
                    + role.id().replace('_', ' ') + " you release a " + expected.label() + "; pass your sealed "
                    + expected.label() + " (nothing was released)");
        }
        String pinned = role == Role.MODEL_PROVIDER ? contract.model().sha256() : contract.limits().datasetSha256();
        if (pinned != null && !MessageDigest.isEqual(pinned.getBytes(StandardCharsets.US_ASCII),
                header.plaintextSha256Hex().getBytes(StandardCharsets.US_ASCII))) {
            throw new ProtocolException("the sealed " + expected.label() + " has sha256 " + header.plaintextSha256Hex()
                    + " but the contract names " + pinned + "; pass the sealed file of the contract's " + expected.label()
                    + " (nothing was released)");
        }
    }

    private static SealHeader authenticatedHeader(SealedAsset sealed, AssetKey key) throws ProtocolException, IOException {
        try (InputStream in = sealed.open()) {
            in.skipNBytes(SealHeader.LENGTH);
            try (UnsealingInputStream plain = UnsealingInputStream.open(sealed.header(), in, key, Unsealer.DigestCheck.AUTHENTICATE_ONLY)) {
                plain.read();
            }
        } catch (UnsealingInputStream.Refused e) {
            throw new ProtocolException("your sealed file cannot be opened with your key: " + e.getMessage() + " (nothing was released)");
        }
        return sealed.header();
    }
}
