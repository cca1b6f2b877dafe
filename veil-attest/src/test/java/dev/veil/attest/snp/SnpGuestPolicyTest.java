package dev.veil.attest.snp;

import static dev.veil.attest.snp.TestAmdPki.AT;
import static dev.veil.attest.snp.TestAmdPki.VCEK_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import dev.veil.attest.VerificationOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.Signature;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The guest policy bits the host chooses at launch, on reports signed by the test VCEK of {@link TestAmdPki}:
 * MIGRATE_MA is accepted only through a pin that is shown as a relaxation, and a policy bit the SEV-SNP ABI 1.58
 * reserves is refused, since its meaning (perhaps another way to hand the guest out) cannot be judged.
 */
class SnpGuestPolicyTest {
    private static final byte[] REPORT_DATA = TestAmdPki.filled(64, 0x22);

    @Test
    void migrationAgentIsAcceptedOnlyWhenPinnedAndThenShownAsARelaxation() throws Exception {
        Claims claims = verify(withPolicy(TestAmdPki.report(), 0x30000L | SnpReport.POLICY_MIGRATE_MA));
        assertThat(claims.byName().get("report_id_ma")).matches("[0-9a-f]{64}");
        ReferenceValues pinned = contract().withClaims(Map.of("policy_migrate_ma", "true"));
        assertThat(pinned.problems()).isEmpty();
        assertThat(pinned.check(claims, REPORT_DATA)).isEmpty();
        assertThat(pinned.relaxations()).anyMatch(r -> r.startsWith("claims.policy_migrate_ma: accepts SNP guests whose policy allows a migration agent"));
    }

    @Test
    void guestWithoutMigrationAgentPassesTheDefault() throws Exception {
        Claims claims = verify(TestAmdPki.report());
        assertThat(claims.byName()).containsEntry("policy_migrate_ma", "false").containsEntry("policy_cxl_allow", "false")
                .containsEntry("policy_page_swap_disable", "false");
        assertThat(contract().check(claims, REPORT_DATA)).isEmpty();
    }

    @Test
    void reservedGuestPolicyBitCannotCarryAnUnjudgedPermission() throws Exception {
        byte[] report = withPolicy(TestAmdPki.report(), 0x30000L | (1L << 26));
        assertThatThrownBy(() -> verify(report)).isInstanceOf(AttestationException.class)
                .hasMessageContaining("SNP guest policy bits 63:26");
    }

    @Test
    void migrationAgentPinMustBeABooleanOnSnp() {
        assertThat(contract().withClaims(Map.of("policy_migrate_ma", "yes")).problems())
                .contains("claims.policy_migrate_ma must be true or false and applies to platform snp only");
        assertThat(new ReferenceValues(Platform.TDX, List.of("ab".repeat(48)), false, false)
                .withClaims(Map.of("policy_migrate_ma", "true")).problems())
                .contains("claims.policy_migrate_ma must be true or false and applies to platform snp only");
    }

    private static Claims verify(byte[] report) throws AttestationException {
        return TestAmdPki.verifier().verify(report,
                new VerificationOptions(AT, List.of(new TestAmdPki.Vcek().der(), TestAmdPki.arkCrl(List.of(), List.of()))));
    }

    private static ReferenceValues contract() {
        return new ReferenceValues(Platform.SEV_SNP, List.of(HexFormat.of().formatHex(TestAmdPki.filled(48, 0x11))), false, false)
                .withMinTcb(Map.of("bl", 3, "tee", 0, "snp", 8, "ucode", 115));
    }

    private static byte[] withPolicy(byte[] report, long policy) throws Exception {
        byte[] b = report.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0x08, policy);
        Arrays.fill(b, SnpReport.SIGNED_LENGTH, SnpReport.LENGTH, (byte) 0);
        Signature s = Signature.getInstance("SHA384withECDSAinP1363Format");
        s.initSign(VCEK_KEY.getPrivate());
        s.update(b, 0, SnpReport.SIGNED_LENGTH);
        byte[] rs = s.sign();
        for (int i = 0; i < 48; i++) {
            b[SnpReport.SIGNED_LENGTH + i] = rs[47 - i];
            b[SnpReport.SIGNED_LENGTH + 72 + i] = rs[95 - i];
        }
        return b;
    }
}
