package dev.veil.seal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.crypto.tink.StreamingAead;
import com.google.crypto.tink.subtle.AesGcmHkdfStreaming;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Proves the segmented stream is Tink's AES-GCM-HKDF streaming construction and not a home-made variant: Tink
 * opens what Veil sealed and Veil opens what Tink sealed (header bytes as associated data, as Veil uses them).
 */
class TinkCompatibilityTest {
    private static final int SEG = 4096;

    @Test
    void tinkDecryptsVeilStream() throws Exception {
        byte[] data = SealRoundTripTest.randomBytes(3 * SEG + 123, 11);
        try (AssetKey key = AssetKey.generate()) {
            byte[] sealed = new Sealer(SEG).sealBytes(data, key, ContentType.MODEL);
            byte[] ad = Arrays.copyOf(sealed, SealHeader.LENGTH);
            StreamingAead tink = new AesGcmHkdfStreaming(key.bytes(), "HmacSha256", 32, SEG, 0);
            try (InputStream in = tink.newDecryptingStream(
                    new ByteArrayInputStream(sealed, SealHeader.LENGTH, sealed.length - SealHeader.LENGTH), ad)) {
                assertThat(in.readAllBytes()).isEqualTo(data);
            }
        }
    }

    @Test
    void veilDecryptsTinkStream() throws Exception {
        byte[] data = SealRoundTripTest.randomBytes(2 * SEG + 5, 12);
        try (AssetKey key = AssetKey.generate()) {
            SealHeader header = new SealHeader(SealHeader.VERSION, ContentType.DATASET, SEG, data.length,
                    java.security.MessageDigest.getInstance("SHA-256").digest(data), key.id());
            byte[] ad = header.encode();
            ByteArrayOutputStream file = new ByteArrayOutputStream();
            file.write(ad);
            StreamingAead tink = new AesGcmHkdfStreaming(key.bytes(), "HmacSha256", 32, SEG, 0);
            try (OutputStream out = tink.newEncryptingStream(file, ad)) {
                out.write(data);
            }
            assertThat(Unsealer.unsealBytes(file.toByteArray(), key).plaintext()).isEqualTo(data);
        }
    }

    /** The push-style encrypter decides "last" at close: segment boundaries at every edge must still be Tink's. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {0, 1, SEG - 40 - 16 - 1, SEG - 40 - 16, SEG - 40 - 16 + 1,
            SEG - 40 - 16 + SEG - 16, 2 * SEG, 3 * SEG + 7})
    void tinkDecryptsVeilStreamOfEveryEdgeLength(int length) throws Exception {
        byte[] data = SealRoundTripTest.randomBytes(length, length + 1);
        try (AssetKey key = AssetKey.generate()) {
            byte[] sealed = new Sealer(SEG).sealBytes(data, key, ContentType.DATASET);
            byte[] ad = Arrays.copyOf(sealed, SealHeader.LENGTH);
            StreamingAead tink = new AesGcmHkdfStreaming(key.bytes(), "HmacSha256", 32, SEG, 0);
            try (InputStream in = tink.newDecryptingStream(
                    new ByteArrayInputStream(sealed, SealHeader.LENGTH, sealed.length - SealHeader.LENGTH), ad)) {
                assertThat(in.readAllBytes()).isEqualTo(data);
            }
            assertThat(Unsealer.unsealBytes(sealed, key).plaintext()).isEqualTo(data);
        }
    }
}
