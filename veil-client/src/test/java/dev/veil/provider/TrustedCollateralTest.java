package dev.veil.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.wire.Message;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The provider's own collateral goes on the trusted side; what the enclave's host sent stays on the evidence side. */
class TrustedCollateralTest {
    static final byte[] OWN_FILE = {1};
    static final byte[] FETCHED = {2};
    static final byte[] FROM_HOST = {3};
    static final byte[] EVIDENCE = {4};

    @Test
    void hostsCollateralNeverLandsOnTheTrustedSide() throws Exception {
        List<Object[]> asked = new ArrayList<>();
        TrustedCollateral fetch = (platform, evidence, fromHost) -> {
            asked.add(new Object[] {platform, evidence, fromHost});
            return List.of(FETCHED);
        };
        VerificationOptions base = new VerificationOptions(Instant.EPOCH, List.of(OWN_FILE));
        // as ProviderSession.attest composes them
        VerificationOptions o = fetch.addTo(base, Platform.TDX, EVIDENCE, List.of(FROM_HOST)).withEvidenceCollateral(List.of(FROM_HOST));
        assertThat(o.trustedCollateral()).containsExactly(OWN_FILE, FETCHED);
        assertThat(o.evidenceCollateral()).containsExactly(FROM_HOST);
        assertThat(o.at()).isEqualTo(Instant.EPOCH);
        assertThat(asked).singleElement().satisfies(a -> {
            assertThat(a[0]).isEqualTo(Platform.TDX);
            assertThat((byte[]) a[1]).isEqualTo(EVIDENCE);
        });
    }

    /** A made-up platform name never becomes a Platform: the enclave's message is refused as it is read. */
    @Test
    void nothingIsFetchedForAPlatformTheHostMadeUp() throws Exception {
        byte[] offer = ("{\"type\":\"evidence\",\"platform\":\"tdx2\",\"evidence\":\"BA==\",\"collateral\":[],"
                + "\"instance_keys\":null,\"enclave_nonce\":null}").getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> Json.parse(offer, Message.class, "message from peer")).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("unknown platform 'tdx2'");
        VerificationOptions base = new VerificationOptions(Instant.EPOCH, List.of(OWN_FILE));
        assertThat(TrustedCollateral.NONE.addTo(base, Platform.TDX, EVIDENCE, List.of())).isSameAs(base);
    }
}
