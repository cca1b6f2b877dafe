package dev.veil.protocol.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.TestParties;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.receipt.DiscardReceipt;
import dev.veil.protocol.receipt.FailureCode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FailureDetailTest {
    static final byte[] HASH = new byte[32];

    @Test
    void detailOpensOnlyForTheProviderItWasSealedTo() throws Exception {
        byte[] sealed = FailureDetail.seal("CSV line 2 column 1 is 'leak42'", TestParties.DP.publicIdentity(), Role.DATA_PROVIDER, HASH);
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("leak42");
        assertThat(FailureDetail.open(sealed, TestParties.DP, Role.DATA_PROVIDER, HASH)).contains("leak42");
        assertThatThrownBy(() -> FailureDetail.open(sealed, TestParties.MP, Role.DATA_PROVIDER, HASH)).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> FailureDetail.open(sealed, TestParties.DP, Role.DATA_PROVIDER, new byte[] {1}))
                .as("another session").isInstanceOf(ProtocolException.class);
    }

    @Test
    void overlongDetailIsCut() throws Exception {
        byte[] sealed = FailureDetail.seal("x".repeat(100_000), TestParties.DP.publicIdentity(), Role.DATA_PROVIDER, HASH);
        assertThat(FailureDetail.open(sealed, TestParties.DP, Role.DATA_PROVIDER, HASH)).hasSize(FailureDetail.MAX_CHARS + 3);
    }

    @Test
    void discardReceiptWithFreeTextOutcomeIsRefused() {
        String leaking = "{\"contract_hash\":\"00\",\"evidence_sha256\":\"00\",\"issued_at\":\"2026-01-01T00:00:00Z\",\"model_sha256\":\"00\","
                + "\"outcome\":\"failed: requested shape {987654,4321}\",\"released\":[]}";
        assertThatThrownBy(() -> Json.parse(leaking.getBytes(StandardCharsets.US_ASCII), DiscardReceipt.class, "receipt payload"))
                .isInstanceOf(ProtocolException.class);
        assertThat(new DiscardReceipt("00", "00", DiscardReceipt.failed(FailureCode.TIMEOUT), java.util.List.of(), "t", "00").failure())
                .contains(FailureCode.TIMEOUT);
    }
}
