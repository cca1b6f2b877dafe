package dev.veil.provider.broker;

import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.identity.PublicIdentity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * The genuine surroundings of the broker state fuzz targets, committed in {@code fuzz-broker-state/} (a throwaway
 * identity, written by {@link BrokerStateSeeds}): the broker's identity that signed the seeds, the contract whose release
 * record they hold, and a data key wrapped under the seeds' master key. With them the seeds pass every check, so
 * mutations reach the checks after parsing. Each target's state directory is on tmpfs when there is one, since every
 * input is written to disk and the broker forces its record and head there.
 */
final class BrokerStateFuzzFixture {
    static final Path DIR = dir();
    static final Identity BROKER = broker();
    static final PublicIdentity BROKER_PUBLIC = BROKER.publicIdentity();
    static final byte[] CONTRACT = HexFormat.of().parseHex(text("contract-hash"));
    static final String MASTER_KEY_ID = "dataset-1";
    static final String WRAPPED_DATA_KEY = text("wrapped-data-key");
    /** The instance a revocation target asks to revoke (the keys digest of the seeds' first release). */
    static final String INSTANCE = "0000000000000000000000000000000000000000000000000000000000000001";

    private BrokerStateFuzzFixture() {
    }

    /** A fresh, owner-only broker state directory for one target, on tmpfs when the machine has one. */
    static BrokerState freshState(String target) {
        try {
            Path shm = Path.of("/dev/shm");
            Path parent = Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
            Path dir = Files.createTempDirectory(parent, "veil-fuzz-" + target + "-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));   // tmpfs is memory: leave nothing behind
            return BrokerState.open(dir.resolve("state"), d -> { });
        } catch (Exception e) {
            throw new IllegalStateException("cannot make a broker state directory to fuzz in", e);
        }
    }

    private static void delete(Path dir) {
        try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover scratch directory is harmless
        }
    }

    /** Writes {@code bytes} as {@code file}, or removes it for null. */
    static void put(Path file, byte[] bytes) throws IOException {
        if (bytes == null) {
            Files.deleteIfExists(file);
        } else {
            Files.write(file, bytes);
        }
    }

    private static Path dir() {
        try {
            return Path.of(BrokerStateFuzzFixture.class.getResource("fuzz-broker-state").toURI());
        } catch (Exception e) {
            throw new IllegalStateException("test fixture fuzz-broker-state is missing; run BrokerStateSeeds", e);
        }
    }

    private static String text(String name) {
        try {
            return Files.readString(DIR.resolve(name), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read fuzz-broker-state/" + name, e);
        }
    }

    private static Identity broker() {
        try {
            return IdentityFiles.readSecret(DIR.resolve("broker.key"));
        } catch (Exception e) {
            throw new IllegalStateException("cannot read fuzz-broker-state/broker.key", e);
        }
    }
}
