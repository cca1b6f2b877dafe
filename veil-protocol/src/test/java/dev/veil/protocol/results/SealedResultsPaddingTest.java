package dev.veil.protocol.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.TestParties;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.AssetKeyWrap;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.receipt.ResultCommitments;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.Sealer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

/**
 * The padding that hides an output's length inside the sealed results: the enclave streams it (a labels output of a
 * million rows is padded by 20 MiB, never held whole), and the data provider accepts only zeros there.
 */
class SealedResultsPaddingTest {
    private static final byte[] CONTRACT_HASH = new byte[32];

    @Test
    void paddingOfMegabytesSealsAndOpensToTheOutputAlone() throws Exception {
        byte[] output = "7\n2\n".getBytes(StandardCharsets.US_ASCII);
        int padded = 3 << 20;   // past the 64 KiB pieces the padding is hashed and streamed in
        SealedResults.Sealed sealed = SealedResults.seal(output, 2, padded, TestParties.DP.publicIdentity(), CONTRACT_HASH);
        assertThat(sealed.bytes().length).isGreaterThan(padded);
        SealedResults.Opened opened = SealedResults.open(sealed.bytes(), TestParties.DP);
        assertThat(opened.output()).isEqualTo(output);
        assertThat(opened.rows()).isEqualTo(2);
    }

    /**
     * Results whose padding carries anything but zeros (a second, hidden output after the announced one) are refused,
     * even though every segment and the digest verify: the data provider would otherwise hold bytes no commitment covers.
     */
    @Test
    void resultsWithBytesHiddenInTheirPaddingAreRefused() throws Exception {
        byte[] output = "7\n2\n".getBytes(StandardCharsets.US_ASCII);
        byte[] padding = new byte[200_000];
        padding[150_000] = 1;   // past the first 64 KiB the opener reads the padding in
        byte[] sealed = sealFramed(2, output, padding, TestParties.DP.publicIdentity());
        assertThatThrownBy(() -> SealedResults.open(sealed, TestParties.DP)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("padding is not zero");
        padding[150_000] = 0;
        assertThat(SealedResults.open(sealFramed(2, output, padding, TestParties.DP.publicIdentity()), TestParties.DP).output())
                .as("the same results with zero padding open").isEqualTo(output);
    }

    /** Sealed results as the enclave writes them, but with the given padding after the output. */
    private static byte[] sealFramed(long rows, byte[] output, byte[] padding, PublicIdentity recipient) throws Exception {
        byte[] framed = ByteBuffer.allocate(12 + output.length + padding.length).putLong(rows).putInt(output.length).put(output)
                .put(padding).array();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (AssetKey key = AssetKey.generate()) {
            Hpke.Sealed wrapped = AssetKeyWrap.wrap(key, ResultCommitments.newSalt(), recipient.keyAgreementSuite(),
                    recipient.keyAgreementKey(), SealedResults.info(CONTRACT_HASH),
                    SealedResults.aad(Digests.hex(CONTRACT_HASH), recipient.fingerprint()));
            byte[] envelope = Json.canonical(new SealedResults.Envelope(Digests.hex(CONTRACT_HASH), recipient.fingerprint(),
                    recipient.keyAgreementSuite(), wrapped.enc(), wrapped.ciphertext()));
            out.write(SealedResults.MAGIC);
            out.write(ByteBuffer.allocate(4).putInt(envelope.length).array());
            out.write(envelope);
            new Sealer().sealStream(new ByteArrayInputStream(framed), framed.length, MessageDigest.getInstance("SHA-256").digest(framed),
                    out, key, ContentType.RESULTS);
        }
        return out.toByteArray();
    }
}
