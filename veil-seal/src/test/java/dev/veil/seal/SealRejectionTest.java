package dev.veil.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way a sealed file can be damaged must be refused, with nothing written. */
class SealRejectionTest {
    private static final int SEG = 256;
    private final byte[] data = SealRoundTripTest.randomBytes(1000, 3);
    private AssetKey key;
    private byte[] sealed;

    @BeforeEach
    void seal() {
        key = AssetKey.generate();
        sealed = new Sealer(SEG).sealBytes(data, key, ContentType.MODEL);
    }

    @Test
    void everySingleBitFlipIsRejected() {
        for (int i = 0; i < sealed.length; i++) {
            byte[] t = sealed.clone();
            t[i] ^= 0x01;
            assertThatThrownBy(() -> Unsealer.unsealBytes(t, key))
                    .as("flip at byte %d", i).isInstanceOf(SealException.class);
        }
    }

    @Test
    void everyTruncationIsRejected() {
        for (int len = 0; len < sealed.length; len++) {
            byte[] t = Arrays.copyOf(sealed, len);
            assertThatThrownBy(() -> Unsealer.unsealBytes(t, key))
                    .as("truncated to %d", len).isInstanceOf(SealException.class);
        }
    }

    @Test
    void appendedBytesAreRejected() {
        for (byte[] tail : new byte[][] {{0}, new byte[16], new byte[SEG]}) {
            byte[] t = Arrays.copyOf(sealed, sealed.length + tail.length);
            assertThatThrownBy(() -> Unsealer.unsealBytes(t, key)).isInstanceOf(SealException.class)
                    .hasMessageContaining("tampered");
        }
    }

    @Test
    void reorderedSegmentsAreRejected() {
        // segments 1 and 2 are full-size (SEG bytes) and start after header + first segment
        int start = SealHeader.LENGTH + SEG;
        byte[] t = sealed.clone();
        System.arraycopy(sealed, start, t, start + SEG, SEG);
        System.arraycopy(sealed, start + SEG, t, start, SEG);
        assertThatThrownBy(() -> Unsealer.unsealBytes(t, key)).isInstanceOf(SealException.class)
                .hasMessageContaining("segment 1 failed authentication");
    }

    @Test
    void droppedWholeFinalSegmentIsRejected() {
        int start = SealHeader.LENGTH + SEG;
        byte[] t = Arrays.copyOf(sealed, start + SEG);   // ends cleanly on a segment boundary
        assertThatThrownBy(() -> Unsealer.unsealBytes(t, key)).isInstanceOf(SealException.class);
    }

    @Test
    void wrongKeyIsNamedAsSuchAndKeyBytesNeverAppear() throws Exception {
        try (AssetKey other = AssetKey.generate()) {
            String otherB64 = java.util.Base64.getEncoder().encodeToString(other.bytes());
            assertThatThrownBy(() -> Unsealer.unsealBytes(sealed, other)).isInstanceOf(SealException.class)
                    .hasMessageContaining("wrong key").hasMessageNotContaining(otherB64);
        }
    }

    @Test
    void swappedContentTypeInHeaderIsRejected() {
        byte[] t = sealed.clone();
        t[9] = (byte) ContentType.DATASET.code();
        assertThatThrownBy(() -> Unsealer.unsealBytes(t, key)).isInstanceOf(SealException.class);
    }

    @Test
    void headerDigestThatLiesAboutThePlaintextIsCaughtWhenRecomputed() throws Exception {
        // A dishonest sealer (who holds the key) can write any digest; the AEAD cannot tell, recomputing can.
        SealHeader lie = new SealHeader(SealHeader.VERSION, ContentType.MODEL, SEG, data.length, new byte[32], key.id());
        java.io.ByteArrayOutputStream file = new java.io.ByteArrayOutputStream();
        file.write(lie.encode());
        dev.veil.seal.stream.StreamEncrypter.encrypt(key.bytes(), lie.encode(), SEG, new java.io.ByteArrayInputStream(data), file, d -> { });
        byte[] sealedLie = file.toByteArray();
        assertThatThrownBy(() -> Unsealer.unsealBytes(sealedLie, key)).isInstanceOf(SealException.class)
                .hasMessageContaining("but its header declares");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        Unsealer.unseal(new java.io.ByteArrayInputStream(sealedLie), key, out, ProgressListener.NONE, Unsealer.DigestCheck.AUTHENTICATE_ONLY);
        assertThat(out.toByteArray()).isEqualTo(data);
    }

    @Test
    void authenticateOnlyStillRejectsEveryTamperedByte() {
        for (int i = 0; i < sealed.length; i += 7) {
            byte[] t = sealed.clone();
            t[i] ^= 0x10;
            assertThatThrownBy(() -> Unsealer.unseal(new java.io.ByteArrayInputStream(t), key,
                    java.io.OutputStream.nullOutputStream(), ProgressListener.NONE, Unsealer.DigestCheck.AUTHENTICATE_ONLY))
                    .as("flip at %d", i).isInstanceOf(SealException.class);
        }
    }

    @Test
    void notASealedFileSaysSo() {
        assertThatThrownBy(() -> Unsealer.unsealBytes("hello world, this is plain text..........................".getBytes(), key))
                .isInstanceOf(SealException.class).hasMessageContaining("not a Veil sealed file");
    }

    @Test
    void rejectedFileLeavesNoOutputBehind(@TempDir Path dir) throws Exception {
        byte[] t = sealed.clone();
        t[t.length - 5] ^= 1;   // damage the last segment: earlier segments already produced plaintext
        Path in = Files.write(dir.resolve("model.veil"), t);
        Path out = dir.resolve("model.onnx");
        assertThatThrownBy(() -> Unsealer.unsealFile(in, key, out, ProgressListener.NONE)).isInstanceOf(SealException.class);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("model.veil");
        }
    }

    @Test
    void malformedKeyFilesAreRejected() {
        assertThatThrownBy(() -> AssetKey.fromKeyFileText("hello")).isInstanceOf(SealException.class);
        assertThatThrownBy(() -> AssetKey.fromKeyFileText("veil-asset-key-v1:!!!")).isInstanceOf(SealException.class);
        assertThatThrownBy(() -> AssetKey.fromKeyFileText("veil-asset-key-v1:AAAA")).isInstanceOf(SealException.class)
                .hasMessageContaining("32 bytes");
    }
}
