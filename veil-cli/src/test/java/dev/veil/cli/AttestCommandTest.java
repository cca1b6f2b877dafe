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

    @Test
    void verifiesHexEvidenceWithACertificateFile() {
        CliTest.Result r = veil("attest", "verify", "--platform", "snp", "--evidence", SNP.resolve("virtee-milan-report.hex").toString(),
                "--certs", SNP.resolve("virtee-milan-vcek.der").toString(), "--at", "2026-06-01T00:00:00Z");
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
                "--collateral", dir.toString(), "--at", "2025-06-01T00:00:00Z");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"signing_key\" : \"VLEK\"");
    }

    @Test
    void expiredChainAndDebugGuestExitTwoWithOneLine() {
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
        assertThat(veil("attest", "verify", "--platform", "snp", "--evidence", SNP.resolve("gosevguest-milan-report.bin").toString(),
                "--certs", SNP.resolve("gosevguest-milan-vcek.der").toString(), "--at", "2026-06-01T00:00:00Z", "--allow-debug").code()).isZero();
    }

    @Test
    void policyFileChecksEveryRuleAndDryRunShowsThem() throws Exception {
        Path policy = Files.writeString(dir.resolve("policy.json"), """
                {"measurements": ["00"], "allow_debug": false, "details": {"vmpl": "0", "product": "Milan"},
                 "min_tcb": {"snp": 9, "bl": 3}}
                """);
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
    void unknownPlatformAndBadTimeAreInputErrors() {
        assertThat(veil("attest", "verify", "--platform", "sparc", "--evidence", "x").err()).contains("unknown platform 'sparc'");
        assertThat(veil("attest", "verify", "--platform", "snp", "--evidence", "x", "--at", "yesterday").err()).contains("--at 'yesterday'");
    }
}
