package dev.veil.protocol.serving;

import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.keyrelease.KemKeyPair;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Properties;

/**
 * The genuine surroundings of the serving fuzz targets, committed in {@code fuzz-session/} (throwaway test keys,
 * written by {@link ServingSeeds}): a serving contract signed by its model provider, one data provider it lists
 * (its secret identity), an X25519 enclave instance and the instant at which all of it is valid. With them the
 * seeds pass every check, so mutations reach the checks after parsing.
 */
final class ServingFuzzSession {
    static final Path DIR = dir();
    static final Instant CHECKED_AT = Instant.parse(text("checked-at").strip());
    static final Properties INSTANCE = properties();
    static final KemKeyPair INSTANCE_KEY_WRAP = KemKeyPair.fromEncoded(KeyWrapSuite.X25519, hex("key_wrap_private"), hex("key_wrap_public"));
    static final InstanceKeys INSTANCE_KEYS = new InstanceKeys(hex("signing_key"), KeyWrapSuite.X25519, hex("key_wrap_public"));
    /** The {@code enc} the {@code requestPlaintext} seed was signed for; the target reads every plaintext as arriving in it. */
    static final byte[] ENC = hex("plaintext_enc");
    static final byte[] EXPORTED = hex("plaintext_exported");
    static final SignedServingContract CONTRACT = read();
    static final ServingContractVerifier.Verified VERIFIED = verified();
    static final Identity DATA_PROVIDER = dataProvider();

    private ServingFuzzSession() {
    }

    static ServingGateway gateway() {
        return new ServingGateway(VERIFIED, INSTANCE_KEYS, INSTANCE_KEY_WRAP, ReplayGuard.withDefaults());
    }

    private static Path dir() {
        try {
            return Path.of(ServingFuzzSession.class.getResource("fuzz-session").toURI());
        } catch (Exception e) {
            throw new IllegalStateException("test fixture fuzz-session is missing; run ServingSeeds", e);
        }
    }

    private static String text(String name) {
        try {
            return Files.readString(DIR.resolve(name));
        } catch (Exception e) {
            throw new IllegalStateException("cannot read fuzz-session/" + name, e);
        }
    }

    private static Properties properties() {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(DIR.resolve("instance.properties"))) {
            p.load(in);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read fuzz-session/instance.properties", e);
        }
        return p;
    }

    private static byte[] hex(String key) {
        return HexFormat.of().parseHex(INSTANCE.getProperty(key));
    }

    private static SignedServingContract read() {
        try {
            return SignedServingContract.read(DIR.resolve("contract.json"));
        } catch (Exception e) {
            throw new IllegalStateException("cannot read fuzz-session/contract.json", e);
        }
    }

    private static ServingContractVerifier.Verified verified() {
        try {
            return ServingContractVerifier.verify(CONTRACT, CHECKED_AT);
        } catch (Exception e) {
            throw new IllegalStateException("fuzz-session/contract.json does not verify at its checked-at instant", e);
        }
    }

    private static Identity dataProvider() {
        try {
            return IdentityFiles.readSecret(DIR.resolve("dp-identity.key"));
        } catch (Exception e) {
            throw new IllegalStateException("cannot read fuzz-session/dp-identity.key", e);
        }
    }
}
