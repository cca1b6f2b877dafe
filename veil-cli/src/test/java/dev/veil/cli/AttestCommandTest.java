package dev.veil.cli;

import static dev.veil.cli.CliTest.veil;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `veil attest verify` on real evidence: JSON out, exit codes, encodings, collateral by content, policy. */
class AttestCommandTest {
    static final Path SNP = Path.of(System.getProperty("veil.testdata.dir"), "vectors", "sev-snp");
    @TempDir
    Path dir;

    static final String MILAN_MEASUREMENT =
            "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f";

    @Test
    void verifiesHexEvidenceWithACertificateFile() throws Exception {
        Path policy = Files.writeString(dir.resolve("policy.json"), """
                {"platform": "snp", "measurements": ["%s"], "min_tcb": {"snp": 8, "bl": 3, "tee": 0, "ucode": 115},
                 "waivers": {"missing_collateral": ["amd_crl"]}}
                """.formatted(MILAN_MEASUREMENT));
        CliTest.Result r = veil("attest", "verify", "--platform", "snp", "--evidence", SNP.resolve("virtee-milan-report.hex").toString(),
                "--certs", SNP.resolve("virtee-milan-vcek.der").toString(), "--at", "2026-06-01T00:00:00Z", "--policy", policy.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"verified\" : true")
                .contains("7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f");
    }

    @Test
    void collateralDirectoryIsRecognisedByContentNotName() throws Exception {
        Files.copy(SNP.resolve("trustee-vlek.der"), dir.resolve("blob-1"));
        Files.copy(SNP.resolve("virtee-milan-vcek.der"), dir.resolve("blob-2"));
        Files.writeString(dir.resolve("notes.txt"), "not a certificate");
        CliTest.Result r = veil("attest", "verify", "--platform", "snp", "--evidence", SNP.resolve("trustee-vlek-report.bin").toString(),
                "--collateral", dir.toString(), "--at", "2025-06-01T00:00:00Z", "--dry-run");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"signing_key\" : \"VLEK\"");
    }

    @Test
    void expiredChainAndDebugGuestExitTwoWithOneLine() throws Exception {
        CliTest.Result expired = veil("attest", "verify", "--platform", "snp", "--evidence", SNP.resolve("trustee-vlek-report.bin").toString(),
                "--certs", SNP.resolve("trustee-vlek.der").toString(), "--at", "2026-06-01T00:00:00Z");
        assertThat(expired.code()).isEqualTo(2);
        assertThat(expired.err().strip().lines()).hasSize(1);
        assertThat(expired.err()).contains("VLEK certificate validity").contains("use --at");
        assertThat(expired.out()).contains("\"verified\" : false");

        CliTest.Result debug = veil("attest", "verify", "--platform", "snp", "--evidence", SNP.resolve("gosevguest-milan-report.bin").toString(),
                "--certs", SNP.resolve("gosevguest-milan-vcek.der").toString(), "--at", "2026-06-01T00:00:00Z");
        assertThat(debug.code()).isEqualTo(2);
        assertThat(debug.err()).contains("debug is true, expected false");
        Path waivers = Files.writeString(dir.resolve("debug-policy.json"), """
                {"platform": "snp", "measurements": ["%s"], "waivers": {"no_snp_min_tcb": true, "missing_collateral": ["amd_crl"]}}
                """.formatted(measurementOf(SNP.resolve("gosevguest-milan-report.bin"), SNP.resolve("gosevguest-milan-vcek.der"))));
        assertThat(veil("attest", "verify", "--platform", "snp", "--evidence", SNP.resolve("gosevguest-milan-report.bin").toString(),
                "--certs", SNP.resolve("gosevguest-milan-vcek.der").toString(), "--at", "2026-06-01T00:00:00Z", "--allow-debug",
                "--policy", waivers.toString()).code()).isZero();
    }

    @Test
    void policyFileChecksEveryRuleAndDryRunShowsThem() throws Exception {
        Path policy = Files.writeString(dir.resolve("policy.json"), """
                {"platform": "snp", "measurements": ["%s"], "allow_debug": false, "claims": {"vmpl": "0", "product": "Milan"},
                 "min_tcb": {"snp": 9, "bl": 3, "tee": 0, "ucode": 115}, "waivers": {"missing_collateral": ["amd_crl"]}}
                """.formatted("00".repeat(48)));
        String[] args = {"attest", "verify", "--platform", "snp", "--evidence", SNP.resolve("virtee-milan-report.bin").toString(),
                "--certs", SNP.resolve("virtee-milan-vcek.der").toString(), "--at", "2026-06-01T00:00:00Z", "--policy", policy.toString()};
        CliTest.Result r = veil(args);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("measurement is 7a1e5c26").contains("(and 1 more)");
        assertThat(r.out()).contains("\"claim\" : \"reported_tcb.snp\"").contains("\"found\" : \"8\"").contains("\"expected\" : \">= 9\"");
        String[] dry = java.util.Arrays.copyOf(args, args.length + 1);
        dry[args.length] = "--dry-run";
        assertThat(veil(dry).code()).isZero();
    }

    @Test
    void policyPinningAClaimTheEvidenceNeverCarriesIsAnInputError() throws Exception {
        Path policy = Files.writeString(dir.resolve("misspelt.json"), """
                {"platform": "snp", "measurements": ["%s"], "claims": {"vmpI": "0"}, "waivers": {"no_snp_min_tcb": true}}
                """.formatted("00".repeat(48)));
        CliTest.Result r = veil("attest", "verify", "--platform", "snp", "--evidence", SNP.resolve("virtee-milan-report.bin").toString(),
                "--certs", SNP.resolve("virtee-milan-vcek.der").toString(), "--at", "2026-06-01T00:00:00Z", "--policy", policy.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("claims.vmpI is not a claim snp evidence carries");
    }

    @Test
    void unknownPlatformAndBadTimeAreInputErrors() {
        assertThat(veil("attest", "verify", "--platform", "sparc", "--evidence", "x").err()).contains("unknown platform 'sparc'");
        assertThat(veil("attest", "verify", "--platform", "snp", "--evidence", "x", "--at", "yesterday").err()).contains("--at 'yesterday'");
    }

    @Test
    void withoutPolicyTheSafeDefaultsApplyAndEveryFailedCheckIsPrinted() {
        CliTest.Result r = veil("attest", "verify", "--platform", "snp", "--evidence", SNP.resolve("virtee-milan-report.bin").toString(),
                "--certs", SNP.resolve("virtee-milan-vcek.der").toString(), "--at", "2026-06-01T00:00:00Z");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).contains("fails the default policy: reported_tcb is").contains("(and 1 more)");
        assertThat(r.out()).contains("\"verified\" : false").contains("safe defaults (docs/POLICY.md)")
                .contains("reported_tcb is bl=").contains("collateral_missing is [amd_crl], expected none");
    }

    @Test
    void policyWithoutAllowDebugGetsTheDefaultAndNoJacksonInternals() throws Exception {
        Path policy = Files.writeString(dir.resolve("policy.json"), """
                {"platform": "snp", "measurements": ["%s"], "waivers": {"no_snp_min_tcb": true, "missing_collateral": ["amd_crl"]}}
                """.formatted(measurementOf(SNP.resolve("gosevguest-milan-report.bin"), SNP.resolve("gosevguest-milan-vcek.der"))));
        CliTest.Result r = veil("attest", "verify", "--platform", "snp", "--evidence", SNP.resolve("gosevguest-milan-report.bin").toString(),
                "--certs", SNP.resolve("gosevguest-milan-vcek.der").toString(), "--at", "2026-06-01T00:00:00Z", "--policy", policy.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).contains("fails the policy: debug is true, expected false").doesNotContain("Cannot map").doesNotContain("`");
        assertThat(r.out()).contains("waivers.no_snp_min_tcb").contains("waivers.missing_collateral: accepts evidence verified without AMD's CRL");
    }

    @Test
    void duplicateAllowDebugKeyInPolicyIsRefused() throws Exception {
        Path policy = Files.writeString(dir.resolve("policy.json"), """
                {"platform": "snp", "measurements": ["%s"], "allow_debug": false, "allow_debug": true}
                """.formatted(MILAN_MEASUREMENT));
        CliTest.Result r = veil("attest", "verify", "--platform", "snp", "--evidence", SNP.resolve("gosevguest-milan-report.bin").toString(),
                "--certs", SNP.resolve("gosevguest-milan-vcek.der").toString(), "--at", "2026-06-01T00:00:00Z", "--policy", policy.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).contains("policy file policy.json is not valid: duplicate key 'allow_debug'");
    }

    @Test
    void malformedPoliciesAreRefusedWithOneLine() throws Exception {
        String[][] cases = {
            {"{\"platform\": \"snp\", \"measurements\": [\"abcd\"], \"waivers\": {\"no_snp_min_tcb\": true}}", "measurement 'abcd' has 4 hex digits"},
            {"{\"platform\": \"tdx\", \"measurements\": [\"" + "ab".repeat(48) + "\"]}", "is for platform tdx but --platform is snp"},
            {"{\"platform\": \"snp\", \"details\": {}}", "unknown field 'details'"},
            {"{\"platform\": \"snp\"} {}", "trailing data"},
            {"{\"platform\": \"snp\", \"measurements\": [\"" + MILAN_MEASUREMENT + "\"], \"waivers\": {\"missing_collateral\": [\"pck_crl\"]}}",
                "waivers.missing_collateral lists 'pck_crl', not a collateral kind of snp"},
        };
        for (String[] c : cases) {
            Path policy = Files.writeString(dir.resolve("p.json"), c[0]);
            CliTest.Result r = veil("attest", "verify", "--platform", "snp", "--evidence", SNP.resolve("virtee-milan-report.bin").toString(),
                    "--certs", SNP.resolve("virtee-milan-vcek.der").toString(), "--at", "2026-06-01T00:00:00Z", "--policy", policy.toString());
            assertThat(r.code()).as(c[0]).isEqualTo(2);
            assertThat(r.err().strip().lines()).as(c[0]).hasSize(1);
            assertThat(r.err()).as(c[0]).contains(c[1]);
        }
    }

    @Test
    void reportDataOptionIsCheckedExactly() {
        CliTest.Result r = veil("attest", "verify", "--platform", "snp", "--evidence", SNP.resolve("virtee-milan-report.bin").toString(),
                "--certs", SNP.resolve("virtee-milan-vcek.der").toString(), "--at", "2026-06-01T00:00:00Z", "--report-data", "00".repeat(64),
                "--dry-run");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("\"claim\" : \"report_data\"").contains("\"expected\" : \"" + "00".repeat(64) + "\"");
    }

    /** The measurement the evidence reports, from a dry run (which exits 0 whenever the evidence itself verifies). */
    private static String measurementOf(Path report, Path vcek) throws Exception {
        CliTest.Result r = veil("attest", "verify", "--platform", "snp", "--evidence", report.toString(), "--certs", vcek.toString(),
                "--at", "2026-06-01T00:00:00Z", "--dry-run", "--allow-debug");
        assertThat(r.code()).as(r.err()).isZero();
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out()).get("measurement").asText();
    }
}
