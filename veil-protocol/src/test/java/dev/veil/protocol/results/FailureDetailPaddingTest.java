package dev.veil.protocol.results;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.TestParties;
import dev.veil.protocol.contract.Role;
import org.junit.jupiter.api.Test;

class FailureDetailPaddingTest {
    private static final byte[] HASH = new byte[32];

    @Test
    void sealedDetailLengthDoesNotTellTheHostHowLongTheTextIs() throws Exception {
        byte[] shortText = FailureDetail.seal("bad cell 3", TestParties.DP.publicIdentity(), Role.DATA_PROVIDER, HASH);
        byte[] longText = FailureDetail.seal("bad cell 333333333333 in row 12345", TestParties.DP.publicIdentity(), Role.DATA_PROVIDER, HASH);
        byte[] cut = FailureDetail.seal("é".repeat(5000), TestParties.DP.publicIdentity(), Role.DATA_PROVIDER, HASH);
        assertThat(longText).hasSameSizeAs(shortText);
        assertThat(cut).hasSameSizeAs(shortText);
        assertThat(FailureDetail.open(longText, TestParties.DP, Role.DATA_PROVIDER, HASH)).isEqualTo("bad cell 333333333333 in row 12345");
        assertThat(FailureDetail.open(cut, TestParties.DP, Role.DATA_PROVIDER, HASH)).startsWith("ééé");
    }
}
