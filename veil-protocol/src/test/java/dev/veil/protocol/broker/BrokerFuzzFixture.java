package dev.veil.protocol.broker;

import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.serving.SignedServingContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The genuine surroundings of the broker fuzz targets, committed in {@code fuzz-broker/} (throwaway keys, written by
 * {@link BrokerSeeds}): a serving contract, the broker's public identity and the instant they hold at. With them the
 * seeds pass every check, so mutations reach the checks after parsing.
 */
final class BrokerFuzzFixture {
    static final Path DIR = dir();
    static final Instant CHECKED_AT = Instant.parse(text("checked-at").strip());
    static final ServingContractVerifier.Verified CONTRACT = contract();
    static final PublicIdentity BROKER = broker();

    private BrokerFuzzFixture() {
    }

    private static Path dir() {
        try {
            return Path.of(BrokerFuzzFixture.class.getResource("fuzz-broker").toURI());
        } catch (Exception e) {
            throw new IllegalStateException("test fixture fuzz-broker is missing; run BrokerSeeds", e);
        }
    }

    private static String text(String name) {
        try {
            return Files.readString(DIR.resolve(name));
        } catch (Exception e) {
            throw new IllegalStateException("cannot read fuzz-broker/" + name, e);
        }
    }

    private static ServingContractVerifier.Verified contract() {
        try {
            return ServingContractVerifier.verify(SignedServingContract.read(DIR.resolve("contract.json")), CHECKED_AT);
        } catch (Exception e) {
            throw new IllegalStateException("fuzz-broker/contract.json does not verify", e);
        }
    }

    private static PublicIdentity broker() {
        try {
            return IdentityFiles.readPublic(DIR.resolve("broker.pub.json"));
        } catch (Exception e) {
            throw new IllegalStateException("cannot read fuzz-broker/broker.pub.json", e);
        }
    }
}
