package dev.veil.attest.dcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.EvidenceEncoding;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.Vectors;
import dev.veil.attest.claims.CollateralKind;
import dev.veil.attest.claims.DcapClaims;
import dev.veil.attest.claims.PlatformClaims;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Intel TDX and SGX quotes from testdata/vectors, with the expected values and statuses of SOURCES.md §2. */
class DcapVectorsTest {
    static final Instant AT = Instant.parse("2026-06-01T00:00:00Z");

    record Quote(String file, Platform platform, String measurement, String reportDataPrefix, String fmspc, String pckCa) {
        byte[] bytes() {
            return EvidenceEncoding.decode(Vectors.read(file));
        }
    }

    static Stream<Quote> quotes() {
        return Stream.of(
                new Quote("tdx/dcapqvl-tdx_quote.bin", Platform.TDX, "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7", "9a9d48e7f6799642", "b0c06f000000", "Intel SGX PCK Platform CA"),
                new Quote("tdx/dcapqvl-tdx_quote_outdated.bin", Platform.TDX, "273828c46252fcbdd8ad2dd907130222b03466d52a2911d70c1a5950895d6bd1ae451d382d5a9b1b4c0ed0e5ae9a3dbd", "d2142b643598eb5f", "90c06f000000", "Intel SGX PCK Platform CA"),
                new Quote("tdx/dcapqvl-tdx-quote.hex", Platform.TDX, "7ba9e262ce6979087e34632603f354dd8f8a870f5947d116af8114db6c9d0d74c48bec4280e5b4f4a37025a10905bb29", "7148f47ef58b475f", "b0c06f000000", "Intel SGX PCK Platform CA"),
                new Quote("tdx/dcapqvl-quote-from-tappd.hex", Platform.TDX, "c68518a0ebb42136c12b2275164f8c72f25fa9a34392228687ed6e9caeb9c0f1dbd895e9cf475121c029dc47e70e91fd", "7668c6b4eafb6230", "b0c06f000000", "Intel SGX PCK Platform CA"),
                new Quote("tdx/gotdxguest-tdx_prod_quote_SPR_E4.bin", Platform.TDX, "6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb", "6c62dec1b8191749", "50806f000000", "Intel SGX PCK Platform CA"),
                new Quote("tdx/gotdxguest-quote_v5_sample.bin", Platform.TDX, "7348651a34b2d2d3462822e3a750ec6110125f36757c78480bbfc69cc0d21fb001a1ced3ee19747dda8f750c3bc8f876", "945eaacf5abc1f71", "90c06f000000", "Intel SGX PCK Platform CA"),
                new Quote("tdx/gotdxguest-cos-113-tdx-quote.bin", Platform.TDX, "dae67181d3d65e073ad8f95b7907d5e927bfe9761c9ff3e9b89734a45d8954dba41394c7717cb2735396c1d04231f94a", "0000000000000000", "00806f050000", "Intel SGX PCK Platform CA"),
                new Quote("tdx/trustee-azure-td-quote.bin", Platform.TDX, "024a32b070383331181619fa387cb4d55d1e38879f989933055ccad5bc2db795d1737b66205949d15469dc8c1ba7ab7b", "9734504f161d104c", "00806f050000", "Intel SGX PCK Platform CA"),
                new Quote("tdx/teekit-tdx-v4-azure.b64", Platform.TDX, "fe27b2aa3a05ec56864c308aff03dd13c189a6112d21e417ec1afe626a8cb9d91482d1379ec02fe6308972950a930d0a", "675b293e4e395b2b", "00806f050000", "Intel SGX PCK Platform CA"),
                new Quote("sgx/dcapqvl-sgx_quote.bin", Platform.SGX, "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb", "48656c6c6f2c2077", "00a067110000", "Intel SGX PCK Processor CA"),
                new Quote("sgx/teekit-sgx-chinenyeokafor.bin", Platform.SGX, "0696ab235b2d339e68a4303cb64cde005bb8cdf2448bed742ac8ea8339bd0cb7", "888d97435fd51947", "90c06f000000", "Intel SGX PCK Platform CA"),
                new Quote("sgx/teekit-sgx-tlsn-quote9.bin", Platform.SGX, "50a6a608c1972408f94379f83a7af2ea55b31095f131efe93af74f5968a44f29", "03351d6944f43d30", "00906ed50000", "Intel SGX PCK Processor CA"),
                new Quote("sgx/teekit-sgx-tlsn-quotedev.bin", Platform.SGX, "db5e55d3190d92512e4eae09d697b4b5fe30c2212e1ad6db5681379608c46204", "030eba01d248d2c2", "00906ed50000", "Intel SGX PCK Processor CA"));
    }

    @ParameterizedTest
    @MethodSource("quotes")
    void everyQuoteVerifiesToThePckChainWithItsClaims(Quote q) throws Exception {
        Claims c = new DcapEvidenceVerifier(q.platform()).verify(q.bytes(), VerificationOptions.at(AT));
        assertThat(c.platform()).isEqualTo(q.platform());
        assertThat(c.measurementHex()).isEqualTo(q.measurement());
        assertThat(c.reportDataHex()).startsWith(q.reportDataPrefix());
        assertThat(c.byName()).containsEntry("fmspc", q.fmspc()).containsEntry("pck_ca", q.pckCa())
                .containsEntry("tcb_status", TcbStatus.UNKNOWN.text());
    }

    @ParameterizedTest
    @MethodSource("quotes")
    void flippingBytesOfEveryQuotesSignedPartsFails(Quote q) {
        byte[] good = q.bytes();
        DcapEvidenceVerifier v = new DcapEvidenceVerifier(q.platform());
        // header, body, quote signature, attestation key and QE report: everything a signature covers or checks with
        int headerAndBody = q.platform() == Platform.SGX ? 48 + 384 : (good[0] == 5 ? 48 + 6 + (good[48] == 3 ? 648 : 584) : 48 + 584);
        int end = headerAndBody + 4 + 64 + 64 + (q.platform() == Platform.SGX ? 0 : 6) + 384 + 64;
        for (int i = 0; i < end; i += 11) {
            byte[] t = good.clone();
            t[i] ^= 0x01;
            assertThatThrownBy(() -> v.verify(t, VerificationOptions.at(AT))).as("%s flip at %d", q.file(), i)
                    .isInstanceOf(AttestationException.class);
        }
    }

    @Test
    void tdxV4CompleteSetIsUpToDate() throws Exception {
        Claims c = verify(Platform.TDX, "tdx/dcapqvl-tdx_quote.bin", "tdx/dcapqvl-tdx_quote.collateral", "2025-07-19T10:00:34Z");
        assertThat(c.byName()).containsEntry("tcb_status", "UpToDate").containsEntry("advisory_ids", "")
                .containsEntry("pck_crl", "not revoked (Intel SGX PCK Platform CA CRL, Intel SGX Root CA CRL)")
                .containsEntry("trailing_bytes", "70 (zero padding)");
        assertThat(PlatformClaims.names(Platform.TDX)).as("every TDX claim can be pinned").containsAll(c.byName().keySet());
        DcapClaims typed = (DcapClaims) c.platformClaims();
        assertThat(typed.tcb().status()).isEqualTo(TcbStatus.UP_TO_DATE);
        assertThat(typed.collateralMissing()).isEmpty();
        assertThat(typed.body()).isInstanceOf(ReportBody.Td.class);
    }

    @Test
    void sgxV3CompleteSetNeedsConfigurationAndHardeningWithItsAdvisories() throws Exception {
        Claims c = verify(Platform.SGX, "sgx/dcapqvl-sgx_quote.bin", "sgx/dcapqvl-sgx_quote.collateral", "2025-07-01T00:00:00Z");
        assertThat(c.byName()).containsEntry("tcb_status", "ConfigurationAndSWHardeningNeeded")
                .containsEntry("advisory_ids", "INTEL-SA-00289,INTEL-SA-00615");
        assertThat(PlatformClaims.names(Platform.SGX)).as("every SGX claim can be pinned").containsAll(c.byName().keySet());
        DcapClaims typed = (DcapClaims) c.platformClaims();
        assertThat(typed.tcb().status()).isEqualTo(TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED);
        assertThat(typed.tcb().advisoryIds()).containsExactly("INTEL-SA-00289", "INTEL-SA-00615");
        assertThat(typed.platform()).isEqualTo(Platform.SGX);
        assertThat(new String(c.reportData()).trim()).startsWith("Hello, world!");
    }

    @Test
    void contractRulesOnTcbStatusAdvisoriesAndPinnedClaimsReject() throws Exception {
        Claims c = verify(Platform.SGX, "sgx/dcapqvl-sgx_quote.bin", "sgx/dcapqvl-sgx_quote.collateral", "2025-07-01T00:00:00Z");
        String mr = c.measurementHex();
        var ok = new dev.veil.attest.ReferenceValues(Platform.SGX, List.of(mr), false, false,
                java.util.Map.of("mrsigner", c.byName().get("mrsigner")), java.util.Map.of(),
                null, new dev.veil.attest.policy.Waivers(List.of("ConfigurationAndSWHardeningNeeded"),
                        List.of("INTEL-SA-00289", "INTEL-SA-00615"), CollateralKind.ids(Platform.SGX.collateralKinds()), false, false));
        assertThat(ok.check(c, c.reportData())).isEmpty();
        var strict = new dev.veil.attest.ReferenceValues(Platform.SGX, List.of(mr), false, false,
                java.util.Map.of("mrsigner", "00".repeat(32)), java.util.Map.of(), null,
                dev.veil.attest.policy.Waivers.none().withMissingCollateral(CollateralKind.ids(Platform.SGX.collateralKinds())));
        assertThat(strict.check(c, c.reportData())).extracting(dev.veil.attest.ClaimFailure::claim)
                .containsExactlyInAnyOrder("mrsigner", "tcb_status", "advisory_ids");
    }

    /** The "helper" TCB statuses of SOURCES.md §2 (a simplified matcher there: cross-checks, not ground truth). */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "SGX|sgx/teekit-sgx-tlsn-quote9.bin|intel-collateral/teekit-tcbInfo-sgx-00906ed50000.json|2025-10-01T00:00:00Z|SWHardeningNeeded|INTEL-SA-00334,INTEL-SA-00615",
        "SGX|sgx/teekit-sgx-tlsn-quotedev.bin|intel-collateral/teekit-tcbInfo-sgx-00906ed50000.json|2025-10-01T00:00:00Z|SWHardeningNeeded|INTEL-SA-00334,INTEL-SA-00615",
        "SGX|sgx/teekit-sgx-chinenyeokafor.bin|intel-collateral/teekit-tcbInfo-sgx-90c06f000000.compact.json|2025-10-01T00:00:00Z|UpToDate|",
        "TDX|tdx/trustee-azure-td-quote.bin|intel-collateral/teekit-tcbInfo-tdx-00806f050000.json|2025-10-01T00:00:00Z|OutOfDate|INTEL-SA-00960,INTEL-SA-00982,INTEL-SA-00986",
        "TDX|tdx/gotdxguest-quote_v5_sample.bin|tdx/gotdxguest-sample_tcbinfo_response_v5.json|2026-02-03T01:00:00Z|UpToDate|"})
    void tcbStatusesAgreeWithTheHelperCrossChecks(String platform, String quote, String tcbInfo, String at, String status,
                                                  String advisories) throws Exception {
        Claims c = new DcapEvidenceVerifier(Platform.valueOf(platform)).verify(Vectors.read(quote), new VerificationOptions(
                Instant.parse(at), List.of(Vectors.read(tcbInfo), Vectors.read("intel-collateral/intel-tcb-signing-chain-2025-2032.pem"))));
        assertThat(c.byName()).containsEntry("tcb_status", status).containsEntry("advisory_ids", advisories == null ? "" : advisories);
    }

    @Test
    void tdxV5OutdatedPlatformMatchesNoTcbLevel() throws Exception {
        Claims c = verify(Platform.TDX, "tdx/dcapqvl-tdx_quote_outdated.bin", "tdx/dcapqvl-tdx_quote_outdated.collateral", "2026-03-01T00:00:00Z");
        assertThat(c.byName()).containsEntry("tcb_status", "TcbNotSupported").containsEntry("body", "TD 1.5");
        assertThat(PlatformClaims.names(Platform.TDX)).as("every TD 1.5 claim can be pinned").containsAll(c.byName().keySet());
    }

    @Test
    void goTdxGuestQuoteWithJunkTrailerVerifiesWithItsCrls() throws Exception {
        List<byte[]> col = new ArrayList<>();
        for (String f : List.of("gotdxguest-tcbinfo-issuer-chain.pem", "gotdxguest-sample_tcbInfo_response.json",
                "gotdxguest-sample_qeIdentity_response.json", "gotdxguest-pckcrl.der", "gotdxguest-rootcrl.der")) {
            col.add(Vectors.read("tdx/" + f));
        }
        Claims c = new DcapEvidenceVerifier(Platform.TDX).verify(Vectors.read("tdx/gotdxguest-tdx_prod_quote_SPR_E4.bin"),
                new VerificationOptions(Instant.parse("2023-07-01T01:00:00Z"), col));
        assertThat(c.byName()).containsEntry("tcb_status", "TcbNotSupported")
                .containsEntry("trailing_bytes", "39 (non-zero; outside every signature, ignored)")
                .containsEntry("pck_crl", "not revoked (Intel SGX PCK Platform CA CRL, Intel SGX Root CA CRL)");
    }

    @Test
    void flippingSignedBytesOrSignatureDataFails() {
        byte[] good = Vectors.read("tdx/dcapqvl-tdx_quote.bin");
        DcapEvidenceVerifier v = new DcapEvidenceVerifier(Platform.TDX);
        int certStart = 632 + 4 + 64 + 64 + 6 + 384 + 64 + 2 + 32 + 6;   // where the PEM PCK chain begins
        for (int i = 0; i < certStart; i += 3) {
            byte[] t = good.clone();
            t[i] ^= 0x01;
            assertThatThrownBy(() -> v.verify(t, VerificationOptions.at(AT))).as("flip at %d", i).isInstanceOf(AttestationException.class);
        }
    }

    /**
     * Intel's test-PKI TDX quote carries its (DER) PCK chain, which ends in Intel's test root, not the pinned one. The
     * SGX sample certifies its QE with a cleartext PPID (type 1) instead of a chain, which Veil refuses before any
     * certificate is looked at (PcsResponseTest reads its v2 TCB Info).
     */
    @Test
    void quoteFromIntelsTestPkiIsRefusedForItsRoot() {
        assertThatThrownBy(() -> new DcapEvidenceVerifier(Platform.TDX).verify(Vectors.read("intel-qvl-testpki/tdx/quote.dat"),
                new VerificationOptions(AT, collateral("intel-qvl-testpki/tdx"))))
                .hasMessageContaining("does not verify with the pinned Intel SGX Root CA key");
        assertThatThrownBy(() -> new DcapEvidenceVerifier(Platform.SGX).verify(Vectors.read("intel-qvl-testpki/sgx/quote.dat"),
                new VerificationOptions(AT, collateral("intel-qvl-testpki/sgx"))))
                .hasMessageContaining("quote certification data type is 1, expected 5 (the PCK certificate chain)");
    }

    @Test
    void expiredCollateralIsRefused() {
        assertThatThrownBy(() -> verify(Platform.TDX, "tdx/dcapqvl-tdx_quote.bin", "tdx/dcapqvl-tdx_quote.collateral", "2026-06-01T00:00:00Z"))
                .hasMessageContaining("validity at 2026-06-01T00:00:00Z");
    }

    @Test
    void collateralForAnotherPlatformIsRefused() {
        assertThatThrownBy(() -> new DcapEvidenceVerifier(Platform.TDX).verify(Vectors.read("tdx/dcapqvl-tdx_quote.bin"),
                new VerificationOptions(Instant.parse("2025-07-01T00:00:00Z"), collateral("sgx/dcapqvl-sgx_quote.collateral"))))
                .hasMessageContaining("TCB Info is for SGX FMSPC 00A067110000, expected TDX TCB Info for the PCK's FMSPC b0c06f000000");
    }

    @Test
    void qeIdentityOfTheWrongQuotingEnclaveIsRefused() {
        List<byte[]> col = collateral("tdx/dcapqvl-tdx_quote.collateral");
        col.removeIf(b -> new String(b).contains("\"enclaveIdentity\""));
        col.add(Vectors.read("sgx/dcapqvl-sgx_quote.collateral/qeidentity_response.json"));
        assertThatThrownBy(() -> new DcapEvidenceVerifier(Platform.TDX).verify(Vectors.read("tdx/dcapqvl-tdx_quote.bin"),
                new VerificationOptions(Instant.parse("2025-07-01T00:00:00Z"), col)))
                .hasMessageContaining("QE Identity id is QE, expected TD_QE");
    }

    @Test
    void prettyPrintedTcbInfoFailsItsSignatureAndTheCompactOneVerifies() throws Exception {
        Signed<?> pretty = PcsResponse.read(Vectors.read("intel-collateral/teekit-tcbInfo-sgx-90c06f000000.json"));
        Signed<?> compact = PcsResponse.read(Vectors.read("intel-collateral/teekit-tcbInfo-sgx-90c06f000000.compact.json"));
        var signer = dev.veil.attest.x509.CertificateSet.parseAll(Vectors.read("intel-collateral/intel-tcb-signing-chain-2025-2032.pem")).get(0);
        DcapEvidenceVerifier.verifyEcdsa(signer.getPublicKey(), compact.signedBytes(), compact.signature(), "TCB Info signature", "TCB signing key");
        assertThatThrownBy(() -> DcapEvidenceVerifier.verifyEcdsa(signer.getPublicKey(), pretty.signedBytes(), pretty.signature(),
                "TCB Info signature", "TCB signing key")).hasMessageContaining("TCB Info signature is invalid");
    }

    @Test
    void wrongPlatformAndTruncatedQuotesAreRefused() {
        assertThatThrownBy(() -> new DcapEvidenceVerifier(Platform.SGX).verify(Vectors.read("tdx/dcapqvl-tdx_quote.bin"), VerificationOptions.at(AT)))
                .hasMessageContaining("quote TEE type is TDX");
        byte[] q = Vectors.read("sgx/dcapqvl-sgx_quote.bin");
        for (int len : new int[] {0, 10, 48, 431, 500, 1000}) {
            assertThatThrownBy(() -> new DcapEvidenceVerifier(Platform.SGX).verify(java.util.Arrays.copyOf(q, len), VerificationOptions.at(AT)))
                    .as("length %d", len).isInstanceOf(AttestationException.class);
        }
    }

    static Claims verify(Platform p, String quote, String dir, String at) throws AttestationException {
        return new DcapEvidenceVerifier(p).verify(Vectors.read(quote), new VerificationOptions(Instant.parse(at), collateral(dir)));
    }

    static List<byte[]> collateral(String dir) {
        List<byte[]> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(Vectors.dir().resolve(dir))) {
            for (Path f : files.sorted().toList()) {
                if (!f.getFileName().toString().equals("quote.dat")) {
                    out.add(Files.readAllBytes(f));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }
}
