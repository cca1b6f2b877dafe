package dev.veil.attest.snp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.Vectors;
import dev.veil.attest.claims.CollateralKind;
import dev.veil.attest.claims.PlatformClaims;
import dev.veil.attest.claims.SnpClaims;
import java.math.BigInteger;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every SEV-SNP report in testdata/vectors verifies with the values SOURCES.md lists, and every mutation fails. */
class SnpVectorsTest {
    static final Instant AT = Instant.parse("2026-06-01T00:00:00Z");
    static final Instant VLEK_AT = Instant.parse("2025-06-01T00:00:00Z");
    private final SnpEvidenceVerifier verifier = new SnpEvidenceVerifier();

    record Vector(String report, List<String> certs, Instant at, int version, long policy, int vmpl, String measurement,
                  String reportDataPrefix, long reportedTcb, String product, String signer) {
        VerificationOptions options() {
            return new VerificationOptions(at, certs.stream().map(c -> Vectors.read("sev-snp/" + c)).toList());
        }

        byte[] bytes() {
            return Vectors.read("sev-snp/" + report);
        }
    }

    static Stream<Vector> vectors() {
        return Stream.of(
                new Vector("gosevguest-milan-report.bin", List.of("gosevguest-milan-vcek.der"), AT, 2, 0xb0000, 0,
                        "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01",
                        "0102030405000000", 0x4405000000000002L, "Milan", "VCEK"),
                new Vector("virtee-milan-report.bin", List.of("virtee-milan-vcek.der"), AT, 2, 0x30000, 0,
                        "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f",
                        "d447b55d197491bf", 0x7308000000000003L, "Milan", "VCEK"),
                new Vector("trustee-report.bin", List.of("trustee-vcek.der"), AT, 2, 0x3001f, 0,
                        "a1f3930413247bb38cfc171579ea3c12d5fe4901f0c792f63fd75d98f1ef827c23500644e0e692e6be917f9050d3d38c",
                        "ec6c52d7533cc2c4", 0x7308000000000003L, "Milan", "VCEK"),
                new Vector("trustee-vlek-report.bin", List.of("trustee-vlek.der"), VLEK_AT, 3, 0x30000, 1,
                        "8922ebbdd00ec2c541f36a6e7a82a8773a7accb451ed67bc94e740dbe92c93c4e8c9af857f5ceeb5a493df2a570d7bf0",
                        "819770b7e6ea6df8", 0xd918000000000004L, "Milan", "VLEK"),
                new Vector("trustee-azure-milan-report.bin", List.of("trustee-azure-milan-vcek-chain.pem"), AT, 2, 0x3001f, 0,
                        "9ac48fcac8a2d88aeeff8d427ad4f2be0e3917c748a18bdf52cc317e7fe20308b459d5ef1a12e0c22944eb386d17c315",
                        "b3fbad6514c83cae", 0x7308000000000003L, "Milan", "VCEK"),
                new Vector("trustee-azure-genoa-report.bin", List.of("trustee-azure-genoa-vcek.pem"), AT, 3, 0x3001f, 0,
                        "f57dc09a507c6ecd82369bffb600f0003792f4d99bc26e985ec0c266fc34faf3706faf814c9e61065768a6ff917c89ae",
                        "b581f12e29a2d7d6", 0x541700000000000aL, "Genoa", "VCEK"),
                new Vector("teekit-sev-gcp.bin", List.of("teekit-sev-gcp-vcek.pem"), AT, 5, 0x30000, 0,
                        "b747d55452e0b9e9079770a49e397c5e6d9573581e246da7baac4f28b5cdc5b1b6d19251b8ee600fd16a3708f58406f3",
                        "0000000000000000", 0xde1b000000000004L, "Milan", "VCEK"),
                new Vector("teekit-sev-gcp-reportdata.bin", List.of("teekit-sev-gcp-vcek.pem"), AT, 5, 0x30000, 1,
                        "b747d55452e0b9e9079770a49e397c5e6d9573581e246da7baac4f28b5cdc5b1b6d19251b8ee600fd16a3708f58406f3",
                        "32fc4f6c1971cbf9", 0xde1b000000000004L, "Milan", "VCEK"),
                new Vector("teekit-sev-gcp-x25519-bound.bin", List.of("teekit-sev-gcp-x25519-vcek.pem"), AT, 5, 0x30000, 1,
                        "b747d55452e0b9e9079770a49e397c5e6d9573581e246da7baac4f28b5cdc5b1b6d19251b8ee600fd16a3708f58406f3",
                        "3a6753fd4b194de5", 0xde1b000000000004L, "Milan", "VCEK"));
    }

    @ParameterizedTest
    @MethodSource("vectors")
    void verifiesWithTheExpectedClaims(Vector v) throws Exception {
        Claims c = verifier.verify(v.bytes(), v.options());
        assertThat(c.platform()).isEqualTo(Platform.SEV_SNP);
        assertThat(c.measurementHex()).isEqualTo(v.measurement());
        assertThat(c.reportDataHex()).startsWith(v.reportDataPrefix());
        assertThat(c.byName()).containsEntry("report_version", Integer.toString(v.version()))
                .containsEntry("policy", "0x" + Long.toHexString(v.policy()))
                .containsEntry("vmpl", Integer.toString(v.vmpl()))
                .containsEntry("product", v.product())
                .containsEntry("signing_key", v.signer())
                .containsEntry("collateral_missing", "amd_crl")     // none of the samples comes with AMD's CRL
                .containsEntry("chip_id_masked", Boolean.toString(v.signer().equals("VLEK")));   // AWS zeroes CHIP_ID
        assertThat(c.byName().get("reported_tcb")).endsWith(String.format("(0x%016x)", v.reportedTcb()));
        assertThat(PlatformClaims.names(Platform.SEV_SNP)).as("every SNP claim can be pinned").containsAll(c.byName().keySet());
        SnpClaims typed = (SnpClaims) c.platformClaims();
        assertThat(typed.vmpl()).isEqualTo(v.vmpl());
        assertThat(typed.reportedTcb().raw()).isEqualTo(v.reportedTcb());
        assertThat(typed.signingKey().name()).isEqualTo(v.signer());
        assertThat(typed.collateralMissing()).containsExactly(CollateralKind.AMD_CRL);
        assertThat(c.debug()).isEqualTo((v.policy() & SnpReport.POLICY_DEBUG) != 0);
    }

    @ParameterizedTest
    @MethodSource("vectors")
    void flippingBytesOfTheSignedRegionOrSignatureFails(Vector v) {
        byte[] good = v.bytes();
        VerificationOptions o = v.options();
        int stride = v.report().startsWith("gosevguest") ? 1 : 13;   // one report exhaustively, the others sampled
        for (int i = 0; i < SnpReport.SIGNED_LENGTH + 144; i += stride) {
            byte[] t = good.clone();
            t[i] ^= 0x01;
            assertThatThrownBy(() -> verifier.verify(t, o)).as("flip at 0x%03X", i).isInstanceOf(AttestationException.class);
        }
    }

    @Test
    void milanTcbIsDecodedPerTheSpecification() throws Exception {
        Claims c = verifier.verify(vectors().toList().get(1).bytes(), vectors().toList().get(1).options());
        assertThat(c.byName().get("reported_tcb")).startsWith("bl=3 tee=0 snp=8 ucode=115");
    }

    @Test
    void turinTcbLayoutDiffers() {
        TcbVersion t = TcbVersion.decode(0x2d00000018040102L, true);
        assertThat(t.fmc()).isEqualTo(2);
        assertThat(t.bootloader()).isEqualTo(1);
        assertThat(t.tee()).isEqualTo(4);
        assertThat(t.snp()).isEqualTo(0x18);
        assertThat(t.microcode()).isEqualTo(0x2d);
        assertThat(TcbVersion.decode(0x2d00000018040102L, false).snp()).isZero();
    }

    @Test
    void vlekChainHasExpiredAtTodaysDate() {
        Vector vlek = vectors().filter(v -> v.signer().equals("VLEK")).findFirst().orElseThrow();
        VerificationOptions now = new VerificationOptions(Instant.parse("2026-06-01T00:00:00Z"), vlek.options().trustedCollateral());
        assertThatThrownBy(() -> verifier.verify(vlek.bytes(), now)).hasMessageContaining("VLEK certificate validity")
                .hasMessageContaining("2025-12-10");
    }

    @Test
    void vcekFromAnotherChipIsRefused() {
        Vector gosev = vectors().toList().get(0);
        VerificationOptions wrong = new VerificationOptions(AT, List.of(Vectors.read("sev-snp/virtee-milan-vcek.der")));
        assertThatThrownBy(() -> verifier.verify(gosev.bytes(), wrong)).isInstanceOf(AttestationException.class)
                .hasMessageContaining("SPL");
    }

    @Test
    void vcekOfAnotherChipWithTheSameTcbIsRefusedForItsHardwareId() {
        Vector virtee = vectors().toList().get(1);   // same reported TCB (0x7308…03) as trustee's report, other chip
        VerificationOptions o = new VerificationOptions(AT, List.of(Vectors.read("sev-snp/trustee-vcek.der")));
        assertThatThrownBy(() -> verifier.verify(virtee.bytes(), o)).hasMessageContaining("VCEK certificate hwID is");
    }

    @Test
    void vcekThatDoesNotChainToAmdIsRefused() {
        Vector trustee = vectors().toList().get(2);
        for (String bad : List.of("trustee-vcek-invalid-legacy.der", "trustee-vcek-invalid-new.der")) {
            VerificationOptions o = new VerificationOptions(AT, List.of(Vectors.read("sev-snp/" + bad)));
            assertThatThrownBy(() -> verifier.verify(trustee.bytes(), o)).as(bad)
                    .hasMessageContaining("not signed by any pinned AMD ASK");
        }
    }

    @Test
    void selfMadeVcekUnderAnotherRootIsRefused() throws Exception {
        var g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp384r1"));
        var ca = g.generateKeyPair();
        var leaf = g.generateKeyPair();
        var cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
                new X500Name("CN=SEV-Milan"), BigInteger.ZERO, Date.from(Instant.parse("2020-01-01T00:00:00Z")),
                Date.from(Instant.parse("2040-01-01T00:00:00Z")), new X500Name("CN=SEV-VCEK"), leaf.getPublic())
                .build(new JcaContentSignerBuilder("SHA384withECDSA").build(ca.getPrivate())));
        Vector v = vectors().toList().get(1);
        assertThatThrownBy(() -> verifier.verify(v.bytes(), new VerificationOptions(AT, List.of(cert.getEncoded()))))
                .hasMessageContaining("not signed by any pinned AMD ASK");
    }

    @Test
    void missingVcekSaysWhatToSupply() {
        Vector v = vectors().toList().get(1);
        assertThatThrownBy(() -> verifier.verify(v.bytes(), new VerificationOptions(AT, List.of())))
                .hasMessageContaining("VCEK certificate is missing from the supplied certificates");
    }

    @Test
    void truncatedOrExtendedReportsAreRefused() {
        byte[] good = vectors().toList().get(1).bytes();
        for (int len : new int[] {0, 100, SnpReport.LENGTH - 1, SnpReport.LENGTH + 1}) {
            assertThatThrownBy(() -> verifier.verify(java.util.Arrays.copyOf(good, len), vectors().toList().get(1).options()))
                    .hasMessageContaining("SNP report length");
        }
    }

    @Test
    void minimumTcbAndPinnedVmplAreEnforced() throws Exception {
        Vector v = vectors().toList().get(1);   // reported TCB bl=3 tee=0 snp=8 ucode=115, VMPL 0
        Claims c = verifier.verify(v.bytes(), v.options());
        var meets = new ReferenceValues(Platform.SEV_SNP, List.of(v.measurement()), false, false,
                java.util.Map.of("vmpl", "0"), java.util.Map.of("bl", 3, "tee", 0, "snp", 8, "ucode", 115), null,
                dev.veil.attest.policy.Waivers.none().withMissingCollateral(List.of("amd_crl")));
        assertThat(meets.check(c, c.reportData())).isEmpty();
        var above = new ReferenceValues(Platform.SEV_SNP, List.of(v.measurement()), false, false,
                java.util.Map.of("vmpl", "1"), java.util.Map.of("bl", 3, "tee", 0, "snp", 9, "ucode", 115), null,
                dev.veil.attest.policy.Waivers.none().withMissingCollateral(List.of("amd_crl")));
        assertThat(above.check(c, c.reportData())).extracting(dev.veil.attest.ClaimFailure::toString)
                .containsExactlyInAnyOrder("vmpl is 0, expected 1", "reported_tcb.snp is 8, expected >= 9");
    }

    @Test
    void debugGuestIsRefusedByDefaultPolicy() throws Exception {
        Vector debug = vectors().toList().get(0);   // go-sev-guest's sample has policy bit 19 (DEBUG) set
        Claims c = verifier.verify(debug.bytes(), debug.options());
        assertThat(c.debug()).isTrue();
        ReferenceValues strict = new ReferenceValues(Platform.SEV_SNP, List.of(debug.measurement()), false, false);
        assertThatThrownBy(() -> strict.require(c, c.reportData())).hasMessageContaining("debug is true");
    }

    @Test
    void x25519BindingOfTheGcpSampleRecomputes() throws Exception {
        // teekit's sample binds report_data = SHA-512(nonce || X25519 key); both values are in the .txt beside it
        java.util.Map<String, String> kv = new java.util.HashMap<>();
        for (String line : new String(Vectors.read("sev-snp/teekit-sev-gcp-x25519-bound.txt")).split("\n")) {
            String[] p = line.strip().split("=", 2);
            if (p.length == 2) {
                kv.put(p[0], p[1]);
            }
        }
        java.util.HexFormat hex = java.util.HexFormat.of();
        var sha512 = java.security.MessageDigest.getInstance("SHA-512");
        sha512.update(hex.parseHex(kv.get("NONCE")));
        sha512.update(hex.parseHex(kv.get("X25519_KEY")));
        Vector v = vectors().filter(x -> x.report().contains("x25519")).findFirst().orElseThrow();
        Claims c = verifier.verify(v.bytes(), v.options());
        assertThat(c.reportData()).isEqualTo(sha512.digest());
    }
}
