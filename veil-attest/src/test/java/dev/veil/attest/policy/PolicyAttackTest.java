package dev.veil.attest.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.ClaimFailure;
import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import dev.veil.attest.snp.TcbVersion;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Reference values that mean less than what is shown: each test builds a policy that passes {@link
 * ReferenceValues#problems()}, lists no relaxation (so {@code contract show} and {@code veil attest verify} print
 * {@code "waivers": []}), and yet accepts claims a careful operator would refuse.
 */
class PolicyAttackTest {
    private static final byte[] REPORT_DATA = filled(64, 0x22);
    private static final String MEASUREMENT = HexFormat.of().formatHex(filled(48, 0x5a));

    /**
     * {@code contract draft --snp-min-tcb bl=0} satisfies "an snp contract needs a minimum TCB", yet every component
     * it does not name (tee, snp, ucode) is accepted at any version, however old: the same as the named waiver
     * {@code no_snp_min_tcb}, but with no waiver shown.
     */
    @Test
    void minTcbNamingOneComponentSilentlyWaivesTheOthers() {
        ReferenceValues rv = new ReferenceValues(Platform.SEV_SNP, List.of(MEASUREMENT), false, false).withMinTcb(Map.of("bl", 0));
        Claims ancient = snp(SyntheticClaims.milanTcb(0, 0, 0, 0));
        assertThat(rv.problems()).isEmpty();
        List<String> shown = new ArrayList<>(rv.relaxations());
        shown.addAll(rv.check(ancient, REPORT_DATA).stream().map(ClaimFailure::claim).toList());
        assertThat(shown).as("an SNP platform with snp=0 and ucode=0 must be refused or the unchecked components listed as waived")
                .anyMatch(s -> s.contains("ucode"));
    }

    /**
     * On Turin the firmware reports an FMC SPL as well. A contract with minimums for bl, tee, snp and ucode (all a
     * Milan/Genoa operator knows to give) accepts any FMC version on Turin without saying so.
     */
    @Test
    void turinFmcIsUncheckedWhenMinTcbOmitsIt() {
        ReferenceValues rv = new ReferenceValues(Platform.SEV_SNP, List.of(MEASUREMENT), false, false)
                .withMinTcb(Map.of("bl", 3, "tee", 0, "snp", 8, "ucode", 115));
        Claims turin = snp(SyntheticClaims.turinTcb(0, 3, 0, 8, 115));
        List<String> shown = new ArrayList<>(rv.relaxations());
        shown.addAll(rv.check(turin, REPORT_DATA).stream().map(ClaimFailure::claim).toList());
        assertThat(shown).as("a reported TCB component without a minimum must fail or be listed as a relaxation")
                .anyMatch(s -> s.contains("fmc"));
    }

    private static Claims snp(TcbVersion tcb) {
        return SyntheticClaims.snp(REPORT_DATA, 0, 0, tcb, Set.of());
    }

    private static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }
}
