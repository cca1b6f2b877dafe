package dev.veil.cli.platforms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.veil.attest.AttestationException;
import dev.veil.attest.EvidenceEncoding;
import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import dev.veil.attest.policy.Waivers;
import dev.veil.attest.VerificationOptions;
import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.EnclaveServer;
import dev.veil.collateral.CollateralCache;
import dev.veil.collateral.CollateralFetcher;
import dev.veil.enclave.evidence.CollateralSettings;
import dev.veil.enclave.evidence.CollateralShippingSource;
import dev.veil.cli.FakeCollateralServices;
import dev.veil.cli.TdxVectorRtmrs;
import dev.veil.enclave.evidence.ConfigfsTsmSource;
import dev.veil.enclave.evidence.EvidenceSource;
import dev.veil.enclave.evidence.GramineSgxSource;
import dev.veil.enclave.evidence.NitroNsmSource;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.cli.demo.TestModelTerms;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.provider.ProviderSession;
import dev.veil.provider.TrustedCollateral;
import dev.veil.provider.collateral.FetchedTrustedCollateral;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The enclave run with each real platform's evidence source, against a fake device interface that answers with real
 * evidence from testdata/vectors. The provider verifies that evidence fully (signatures and chain to the vendor's pinned
 * root, measurement, debug) and then refuses it for the one thing recorded evidence cannot have: a report_data bound
 * to this session's nonce, contract and instance keys. That refusal is the correct outcome without hardware.
 */
class RealPlatformCeremonyTest {
    static final Identity MP = Identity.generate("mp", KeyWrapSuite.X25519);
    static final Identity DP = Identity.generate("dp", KeyWrapSuite.X25519);
    @TempDir
    Path dir;

    @Test
    void snpThroughConfigfsTsmWithTheVcekFromAuxblob() throws Exception {
        byte[] report = vector("sev-snp/virtee-milan-report.bin");
        Path root = Files.createDirectories(dir.resolve("tsm"));
        fakeConfigfs(root, "sev_guest", report, certTable(vector("sev-snp/virtee-milan-vcek.der")));
        // recorded evidence, no AMD CRL reachable offline: the contract must say so by name
        refusedOnlyForTheBinding(new ConfigfsTsmSource(Platform.SEV_SNP, root, () -> "veil"), policy("snp",
                "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f",
                Waivers.none().withNoSnpMinTcb(true).withMissingCollateral(List.of("amd_crl"))), Instant.now(), List.of());
    }

    @Test
    void tdxThroughConfigfsTsm() throws Exception {
        Path root = Files.createDirectories(dir.resolve("tsm"));
        fakeConfigfs(root, "tdx_guest", vector("tdx/dcapqvl-tdx_quote.bin"), null);
        refusedOnlyForTheBinding(new ConfigfsTsmSource(Platform.TDX, root, () -> "veil"), tdxPolicy(WITHOUT_DCAP_COLLATERAL),
                Instant.now(), List.of());
    }

    @Test
    void sgxThroughGramine() throws Exception {
        Path att = Files.createDirectories(dir.resolve("attestation"));
        Files.writeString(att.resolve("attestation_type"), "dcap");
        Files.write(att.resolve("quote"), vector("sgx/dcapqvl-sgx_quote.bin"));
        refusedOnlyForTheBinding(new GramineSgxSource(att), policy("sgx",
                "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb", WITHOUT_DCAP_COLLATERAL), Instant.now(), List.of());
    }

    @Test
    void nitroThroughTheNsm() throws Exception {
        byte[] doc = EvidenceEncoding.decode(vector("nitro/evervault-beta-valid-attestation-doc.bin"));
        Path device = Files.createFile(dir.resolve("nsm"));   // stands in for /dev/nsm; the fake ioctl answers
        NitroNsmSource nsm = new NitroNsmSource(device, (d, request, arg) -> {
            byte[] answer = new com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper()
                    .writeValueAsBytes(Map.of("Attestation", Map.of("document", doc)));
            arg.getPointer(16).write(0, answer, 0, answer.length);
            arg.setLong(24, answer.length);
            return 0;
        });
        refusedOnlyForTheBinding(nsm, policy("nitro",
                dev.veil.attest.Verifiers.forPlatform(dev.veil.attest.Platform.NITRO).verify(doc,
                        VerificationOptions.at(Instant.parse("2022-10-13T09:00:00Z"))).measurementHex(), Waivers.none()),
                Instant.parse("2022-10-13T09:00:00Z"), List.of());
    }

    /**
     * Recorded DCAP evidence with no collateral reachable: TCB status unknown and revocation unchecked, accepted only
     * because the contract waives exactly that, by name.
     */
    static final Waivers WITHOUT_DCAP_COLLATERAL = Waivers.none().withTcbStatuses(List.of("Unknown"))
            .withMissingCollateral(List.of("tcb_info", "qe_identity", "pck_crl", "root_ca_crl"));

    private static EnclavePolicy policy(String platform, String measurement, Waivers waivers) {
        return new EnclavePolicy(new ReferenceValues(Platform.fromId(platform), List.of(measurement), false, false).withWaivers(waivers));
    }

    private void refusedOnlyForTheBinding(EvidenceSource source, EnclavePolicy policy, Instant at, List<byte[]> collateral)
            throws Exception {
        assertThat(failures(source, policy, at, collateral, TrustedCollateral.NONE)).containsExactly("report_data");
    }

    /** The claims the provider refused the enclave's evidence for. */
    private List<String> failures(EvidenceSource source, EnclavePolicy policy, Instant at, List<byte[]> collateral,
                                  TrustedCollateral own) throws Exception {
        Platform platform = policy.referenceValues().platform();
        EnclaveConfig cfg = new EnclaveConfig(platform, "127.0.0.1", 0, dir.resolve("work"), 64, 1, 1 << 20, 1 << 20,
                Duration.ofSeconds(10), false);
        SessionContract c = SessionContract.draft(TestModelTerms.unused(), MP.publicIdentity(), DP.publicIdentity(),
                policy, KeyWrapSuite.X25519, OutputPolicy.labels(),
                Instant.now().plus(Duration.ofHours(1)));
        SignedContract sc = SignedContract.unsigned(c).signedBy(Role.MODEL_PROVIDER, MP).signedBy(Role.DATA_PROVIDER, DP);
        try (EnclaveServer server = EnclaveServer.start(cfg, source);
             ProviderSession s = ProviderSession.connect(MP, Role.MODEL_PROVIDER, sc, "127.0.0.1", server.port())) {
            AttestationException refused = catchThrowableOfType(AttestationException.class,
                    () -> s.attest(new VerificationOptions(at, collateral), own));
            assertThat(refused).as("recorded evidence cannot be bound to this session").isNotNull();
            return refused.failures().stream().map(dev.veil.attest.ClaimFailure::claim).toList();
        }
    }

    /** Inside the validity window of the dcap-qvl TDX collateral. */
    static final Instant TDX_COLLATERAL_CURRENT = Instant.parse("2025-07-19T10:00:34Z");
    static final String TDX_MRTD = "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7";

    private EvidenceSource tdxShippingCollateralFrom(java.net.URI pccs) throws Exception {
        Path root = Files.createDirectories(dir.resolve("tsm"));
        fakeConfigfs(root, "tdx_guest", vector("tdx/dcapqvl-tdx_quote.bin"), null);
        return new CollateralShippingSource(new ConfigfsTsmSource(Platform.TDX, root, () -> "veil"),
                new CollateralSettings(new CollateralFetcher.Endpoints(pccs, pccs, pccs.resolve(FakeCollateralServices.ROOT_CRL_PATH)),
                        dir.resolve("enclave-cache"), null, Duration.ofHours(1)),
                Clock.fixed(TDX_COLLATERAL_CURRENT, ZoneOffset.UTC));
    }

    private static EnclavePolicy tdxRequiringUpToDate() throws Exception {
        return tdxPolicy(Waivers.none());   // the defaults: UpToDate, all collateral
    }

    /** The recorded quote's MRTD and the RTMRs of what booted on it, as every TDX contract pins them. */
    private static EnclavePolicy tdxPolicy(Waivers waivers) throws Exception {
        return new EnclavePolicy(new ReferenceValues(Platform.TDX, List.of(TDX_MRTD), false, false)
                .withClaims(TdxVectorRtmrs.pins("tdx/dcapqvl-tdx_quote.bin")).withWaivers(waivers));
    }

    @Test
    void tdxEnclaveShipsTheCollateralThatMakesItsTcbStatusKnown() throws Exception {
        // without collateral the TCB status is unknown, so a contract requiring UpToDate refuses more than the binding
        Path bare = Files.createDirectories(dir.resolve("bare"));
        fakeConfigfs(bare, "tdx_guest", vector("tdx/dcapqvl-tdx_quote.bin"), null);
        assertThat(failures(new ConfigfsTsmSource(Platform.TDX, bare, () -> "veil"), tdxRequiringUpToDate(), TDX_COLLATERAL_CURRENT,
                List.of(), TrustedCollateral.NONE)).isNotEqualTo(List.of("report_data"));
        try (FakeCollateralServices pccs = FakeCollateralServices.intelForDcapQvlTdxQuote()) {
            assertThat(failures(tdxShippingCollateralFrom(pccs.base()), tdxRequiringUpToDate(), TDX_COLLATERAL_CURRENT,
                    List.of(), TrustedCollateral.NONE)).containsExactly("report_data");
        }
    }

    @Test
    void providersOwnCollateralIsUsedWhenTheHostSendsAnother() throws Exception {
        Path col = Path.of(System.getProperty("veil.testdata.dir"), "vectors", "tdx", "dcapqvl-tdx_quote.collateral");
        Path otherPlatform = Path.of(System.getProperty("veil.testdata.dir"), "vectors", "tdx", "dcapqvl-tdx_quote_outdated.collateral");
        try (FakeCollateralServices hostPccs = FakeCollateralServices.intelForDcapQvlTdxQuote()) {
            // the host's PCCS answers with a genuine Intel TCB Info, but for another platform (FMSPC 90C06F000000)
            hostPccs.serve("/tdx/certification/v4/tcb?fmspc=B0C06F000000", Files.readAllBytes(otherPlatform.resolve("tcbinfo_response.json")),
                    "TCB-Info-Issuer-Chain", otherPlatform.resolve("tcb_info_issuer_chain.pem"));
            EvidenceSource enclave = tdxShippingCollateralFrom(hostPccs.base());
            assertThat(failures(enclave, tdxRequiringUpToDate(), TDX_COLLATERAL_CURRENT, List.of(), TrustedCollateral.NONE))
                    .as("with only the host's copy").isNotEqualTo(List.of("report_data"));
            List<byte[]> ownFiles = new java.util.ArrayList<>();
            try (var files = Files.list(col)) {
                for (Path f : files.sorted().toList()) {
                    ownFiles.add(Files.readAllBytes(f));
                }
            }
            assertThat(failures(enclave, tdxRequiringUpToDate(), TDX_COLLATERAL_CURRENT, ownFiles, TrustedCollateral.NONE))
                    .as("with the provider's own files as well (join --collateral)").containsExactly("report_data");
        }
    }

    @Test
    void providersOwnCollateralReachesTheVerifier() throws Exception {
        Path col = Path.of(System.getProperty("veil.testdata.dir"), "vectors", "tdx", "dcapqvl-tdx_quote.collateral");
        Path root = Files.createDirectories(dir.resolve("tsm"));
        fakeConfigfs(root, "tdx_guest", vector("tdx/dcapqvl-tdx_quote.bin"), null);
        EvidenceSource hostSendsNothing = new ConfigfsTsmSource(Platform.TDX, root, () -> "veil");
        try (FakeCollateralServices ownPccs = FakeCollateralServices.intelForDcapQvlTdxQuote()) {
            // join --fetch / --pccs: fetched for the evidence received, before anything is released
            var own = new FetchedTrustedCollateral(new CollateralFetcher(new CollateralFetcher.Endpoints(ownPccs.base(), ownPccs.base(),
                    ownPccs.base().resolve(FakeCollateralServices.ROOT_CRL_PATH)), new CollateralCache(dir.resolve("provider-cache")),
                    Clock.fixed(TDX_COLLATERAL_CURRENT, ZoneOffset.UTC), false, CollateralFetcher.WhenUnreachable.FAIL), null);
            assertThat(failures(hostSendsNothing, tdxRequiringUpToDate(), TDX_COLLATERAL_CURRENT, List.of(), own))
                    .containsExactly("report_data");
            assertThat(ownPccs.requests).hasSize(4);
        }
        // join --collateral DIR: the provider's own files
        List<byte[]> ownFiles = new java.util.ArrayList<>();
        try (var files = Files.list(col)) {
            for (Path f : files.sorted().toList()) {
                ownFiles.add(Files.readAllBytes(f));
            }
        }
        assertThat(failures(hostSendsNothing, tdxRequiringUpToDate(), TDX_COLLATERAL_CURRENT, ownFiles, TrustedCollateral.NONE))
                .containsExactly("report_data");
    }

    static byte[] vector(String relative) throws Exception {
        return Files.readAllBytes(Path.of(System.getProperty("veil.testdata.dir"), "vectors", relative));
    }

    /** A configfs-tsm entry as the kernel populates it at mkdir. */
    static void fakeConfigfs(Path root, String provider, byte[] outblob, byte[] auxblob) throws Exception {
        Path entry = Files.createDirectories(root.resolve("veil"));
        Files.writeString(entry.resolve("provider"), provider + "\n");
        Files.writeString(entry.resolve("generation"), "1\n");
        Files.write(entry.resolve("outblob"), outblob);
        if (auxblob != null) {
            Files.write(entry.resolve("auxblob"), auxblob);
        }
    }

    static byte[] certTable(byte[] vcek) {
        byte[] guid = {(byte) 0x8d, 0x75, (byte) 0xda, 0x63, 0x64, (byte) 0xe6, 0x64, 0x45, (byte) 0xad, (byte) 0xc5,
            (byte) 0xf4, (byte) 0xb9, 0x3b, (byte) 0xe8, (byte) 0xac, (byte) 0xcd};
        ByteBuffer b = ByteBuffer.allocate(48 + vcek.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(guid).putInt(48).putInt(vcek.length).put(new byte[24]).put(vcek);
        return b.array();
    }
}
