package dev.veil.protocol.fuzz;

import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The genuine surroundings of the protocol targets: one real `veil demo` session's signed contract, its data
 * provider's identity (a throwaway demo key, committed as a test fixture) and the instant its result receipt was
 * issued, at which the contract, the receipts and their sim evidence are all valid. With them the seeds (that
 * session's receipts, and results sealed to that data provider) pass every check, so mutations reach the checks
 * after parsing instead of stopping at a random test contract or identity. `./fuzz --seeds` rewrites them.
 */
final class DemoSession {
    static final Path DIR = fixtureDir();
    static final SignedContract CONTRACT = read("contract.json", SignedContract.class);
    static final Instant CHECKED_AT = Instant.parse(text("checked-at").strip());
    static final ContractVerifier.Verified VERIFIED_CONTRACT = verified();
    static final Identity DATA_PROVIDER = dataProvider();

    private DemoSession() {
    }

    private static Path fixtureDir() {
        try {
            return Path.of(DemoSession.class.getResource("demo-session").toURI());
        } catch (Exception e) {
            throw new IllegalStateException("test fixture demo-session is missing; run ./fuzz --seeds", e);
        }
    }

    private static String text(String name) {
        try {
            return Files.readString(DIR.resolve(name), StandardCharsets.US_ASCII);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read demo-session/" + name, e);
        }
    }

    private static <T> T read(String name, Class<T> type) {
        try {
            return Json.parse(Files.readAllBytes(DIR.resolve(name)), type, name);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read demo-session/" + name, e);
        }
    }

    private static ContractVerifier.Verified verified() {
        try {
            return ContractVerifier.verify(CONTRACT, CHECKED_AT);
        } catch (Exception e) {
            throw new IllegalStateException("demo-session/contract.json does not verify at its checked-at instant", e);
        }
    }

    private static Identity dataProvider() {
        try {
            return IdentityFiles.readSecret(DIR.resolve("dp-identity.key"));
        } catch (Exception e) {
            throw new IllegalStateException("cannot read demo-session/dp-identity.key", e);
        }
    }
}
