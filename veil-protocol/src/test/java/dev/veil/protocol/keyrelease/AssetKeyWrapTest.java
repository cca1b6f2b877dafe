package dev.veil.protocol.keyrelease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.seal.AssetKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The one door for asset-key bytes: who may open it, and that what passes through is wiped. */
class AssetKeyWrapTest {
    @Test
    void keyBytesLeaveAssetKeyOnlyThroughTheOneDoorAndOnlyForWrapping() throws IOException {
        Path repo = Path.of(System.getProperty("veil.testdata.dir")).getParent();
        List<String> users = new ArrayList<>();
        try (Stream<Path> files = Files.walk(repo)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/")).toList()) {
                if (Files.readString(f).contains("withRawKeyBytes(")) {
                    users.add(f.getFileName().toString());
                }
            }
        }
        assertThat(users).containsExactlyInAnyOrder("AssetKey.java", "AssetKeyWrap.java");
    }

    @Test
    void lentKeyBytesAreWipedWhenTheBorrowerReturnsOrThrows() throws Exception {
        try (AssetKey key = AssetKey.generate()) {
            AtomicReference<byte[]> kept = new AtomicReference<>();
            key.withRawKeyBytes(raw -> {
                assertThat(raw).isNotEqualTo(new byte[AssetKey.LENGTH]);
                kept.set(raw);
                return null;
            });
            assertThat(kept.get()).containsOnly(0);
            assertThatThrownBy(() -> key.withRawKeyBytes(raw -> {
                kept.set(raw);
                throw new IllegalStateException("borrower failed");
            })).hasMessage("borrower failed");
            assertThat(kept.get()).containsOnly(0);
        }
    }

    @Test
    void wrappedKeyAndTrailerComeBackAndAWrongLengthIsRefused() throws Exception {
        try (KemKeyPair recipient = KemKeyPair.generate(KeyWrapSuite.X25519); AssetKey key = AssetKey.generate()) {
            byte[] trailer = {9, 8, 7};
            Hpke.Sealed s = AssetKeyWrap.wrap(key, trailer, KeyWrapSuite.X25519, recipient.publicKey(), "i".getBytes(), "a".getBytes());
            AssetKeyWrap.Unwrapped u = AssetKeyWrap.unwrap(recipient, "i".getBytes(), "a".getBytes(), s, trailer.length);
            try (AssetKey back = u.key()) {
                assertThat(back.idHex()).isEqualTo(key.idHex());
                assertThat(u.trailer()).containsExactly(trailer);
            }
            assertThatThrownBy(() -> AssetKeyWrap.unwrap(recipient, "i".getBytes(), "a".getBytes(), s, 0))
                    .hasMessageContaining("wrapped key has 35 bytes, expected 32");
        }
    }
}
