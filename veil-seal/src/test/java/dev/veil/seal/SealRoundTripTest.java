package dev.veil.seal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SealRoundTripTest {
    private static final int SEG = 256;
    // first segment holds SEG - 40 - 16 = 200 plaintext bytes, the others SEG - 16 = 240
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 199, 200, 201, 439, 440, 441, 680, 5000})
    void sizesAroundSegmentBoundariesRoundTrip(int size) throws Exception {
        byte[] data = randomBytes(size, size);
        try (AssetKey key = AssetKey.generate()) {
            byte[] sealed = new Sealer(SEG).sealBytes(data, key, ContentType.DATASET);
            Unsealer.Opened opened = Unsealer.unsealBytes(sealed, key);
            assertThat(opened.plaintext()).isEqualTo(data);
            assertThat(opened.header().plaintextSize()).isEqualTo(size);
            assertThat(opened.header().contentType()).isEqualTo(ContentType.DATASET);
            assertThat(opened.header().plaintextSha256()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
        }
    }

    @Test
    void filesRoundTripWithDefaultSegmentsAndReportProgress(@TempDir Path dir) throws Exception {
        byte[] data = randomBytes(3 * Sealer.DEFAULT_SEGMENT_SIZE + 17, 7);
        Path in = Files.write(dir.resolve("model.onnx"), data);
        Path sealed = dir.resolve("model.veil");
        Path out = dir.resolve("model.out");
        long[] last = {0, 0};
        try (AssetKey key = AssetKey.generate()) {
            SealHeader h = new Sealer().sealFile(in, sealed, key, ContentType.MODEL, (d, t) -> { last[0] = d; last[1] = t; });
            assertThat(last[0]).isEqualTo(last[1]).isEqualTo(2L * data.length);
            assertThat(h.keyId()).isEqualTo(key.id());
            Unsealer.unsealFile(sealed, key, out, ProgressListener.NONE);
        }
        assertThat(Files.readAllBytes(out)).isEqualTo(data);
        try (var files = Files.list(dir)) {
            assertThat(files.filter(p -> p.getFileName().toString().endsWith(".tmp"))).isEmpty();
        }
    }

    @Test
    void keyFileTextRoundTripsAndHidesKeyInToString() throws Exception {
        try (AssetKey key = AssetKey.generate(); AssetKey back = AssetKey.fromKeyFileText(key.toKeyFileText())) {
            assertThat(back.id()).isEqualTo(key.id());
            assertThat(back.bytes()).isEqualTo(key.bytes());
            String b64 = java.util.Base64.getEncoder().encodeToString(key.bytes());
            assertThat(key.toString()).doesNotContain(b64).contains(key.idHex());
        }
    }

    @Test
    void closedKeyIsWipedAndUnusable() {
        AssetKey key = AssetKey.generate();
        key.close();
        assertThat(key.isDestroyed()).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(key::bytes).isInstanceOf(IllegalStateException.class);
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
