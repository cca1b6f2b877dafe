package dev.veil.attest.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import dev.veil.attest.claims.IntelTcb;
import dev.veil.attest.dcap.TcbStatus;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * "Revoked can never be waived" was enforced only where reference values are read ({@link ReferenceValues#problems()},
 * which contract verification and {@code veil attest verify --policy} call); the evaluation itself honoured a
 * waivers.tcb_statuses list naming Revoked, so any path that built reference values without asking for their
 * problems would accept a revoked platform. The evaluation now refuses Revoked whatever the list says.
 */
class RevokedStatusInAWaiverListAttackTest {
    private static final byte[] REPORT_DATA = SyntheticClaims.filled(64, 0x22);

    @Test
    void revokedPlatformIsRefusedEvenWhenAWaiverListNamesRevoked() {
        ReferenceValues rv = new ReferenceValues(Platform.TDX, List.of(HexFormat.of().formatHex(SyntheticClaims.measurement(Platform.TDX))),
                false, false).withWaivers(Waivers.none().withTcbStatuses(List.of("Revoked")));
        assertThat(rv.problems()).anyMatch(p -> p.contains("a revoked platform cannot be waived"));
        Claims revoked = SyntheticClaims.tdx(REPORT_DATA, false, new IntelTcb(TcbStatus.REVOKED, List.of(), OptionalLong.of(17)), Set.of());
        assertThat(rv.check(revoked, REPORT_DATA)).extracting(dev.veil.attest.ClaimFailure::claim).containsExactly("tcb_status");
    }
}
