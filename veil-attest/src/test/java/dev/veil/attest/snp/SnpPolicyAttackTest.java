package dev.veil.attest.snp;

import static dev.veil.attest.snp.TestAmdPki.AT;
import static dev.veil.attest.snp.TestAmdPki.VCEK_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.ClaimFailure;
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
 * Attacks on the SNP reference-value defaults with reports a host can really produce: the guest policy is chosen
 * by whoever launches the VM (the host), not by the launch measurement, so every policy bit that hands guest memory
 * to someone else must be refused by default the way DEBUG is. Reports are signed by the test VCEK of
 * {@link TestAmdPki}; the chain, CRL and signature checks all pass, so only the policy stands in the way.
 */
class SnpPolicyAttackTest {
    private static final byte[] REPORT_DATA = TestAmdPki.filled(64, 0x22);

    /**
     * MIGRATE_MA (guest policy bit 18, AMD SEV-SNP ABI "GUEST_POLICY"): the host may associate a migration agent
     * of its choosing (SNP_LAUNCH_START), and that agent can export the guest's pages and VMSA. A host that launches
     * the contract's exact image with this bit gets keys released into a guest it can read out, as with DEBUG; the
     * default policy accepts it and nothing is listed as a relaxation.
     */
    @Test
    void hostSetMigrationAgentPolicyIsRefusedByDefault() throws Exception {
        byte[] report = withPolicy(TestAmdPki.report(), 0x30000L | SnpReport.POLICY_MIGRATE_MA);
        Claims claims = TestAmdPki.verifier().verify(report,
                new VerificationOptions(AT, List.of(new TestAmdPki.Vcek().der(), TestAmdPki.arkCrl(List.of(), List.of()))));
        assertThat(claims.byName()).containsEntry("policy_migrate_ma", "true");
        ReferenceValues contract = safeSnpContract();
        assertThat(contract.relaxations()).isEmpty();
        assertThat(contract.check(claims, REPORT_DATA)).extracting(ClaimFailure::claim)
                .as("a guest whose policy lets a host-chosen migration agent export its memory must not receive keys by default")
                .isNotEmpty();
    }

    /** Every default honoured except a generous but explicit minimum TCB equal to what the test VCEK certifies. */
    private static ReferenceValues safeSnpContract() {
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
