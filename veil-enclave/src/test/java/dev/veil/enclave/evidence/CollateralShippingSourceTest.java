package dev.veil.enclave.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.Verifiers;
import dev.veil.collateral.CollateralFetcher;
import dev.veil.collateral.CollateralKind;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The enclave's evidence source ships its platform's collateral, fetched from loopback stand-ins for Intel PCS and
 * AMD KDS that serve the real collateral in testdata/vectors (the SNP CRL, of which no real copy is in testdata, is
 * signed by a test CA made here). Nothing reaches the internet.
 */
class CollateralShippingSourceTest {
    static final Path TDX_COLLATERAL = Path.of(System.getProperty("veil.testdata.dir"), "vectors", "tdx", "dcapqvl-tdx_quote.collateral");
    /** Inside the dcap-qvl collateral's validity window (it ends 2025-07-19T10:00:35Z). */
    static final Instant WHILE_CURRENT = Instant.parse("2025-07-19T10:00:34Z");
    static final byte[] REPORT_DATA = new byte[64];

    @TempDir
    Path dir;

    CollateralSettings settings(URI base) {
        return new CollateralSettings(new CollateralFetcher.Endpoints(base, base, base.resolve(FakeCollateralServices.ROOT_CRL_PATH)),
                dir.resolve("cache"), null, Duration.ofHours(1));
    }

    EvidenceSource tdxDevice() throws Exception {
        FakeDevices.configfs(dir.resolve("tsm"), "veil", "tdx_guest", FakeDevices.vector("tdx/dcapqvl-tdx_quote.bin"), null);
        return new ConfigfsTsmSource(Platform.TDX, dir.resolve("tsm"), () -> "veil");
    }

    @Test
    void tdxEvidenceShipsTcbInfoQeIdentityAndBothCrls() throws Exception {
        try (FakeCollateralServices pcs = FakeCollateralServices.intelForDcapQvlTdxQuote()) {
            CollateralShippingSource source = new CollateralShippingSource(tdxDevice(), settings(pcs.base()), Clock.fixed(WHILE_CURRENT, ZoneOffset.UTC));
            source.probe();
            EvidenceSource.Collected c = source.collect(REPORT_DATA);

            assertThat(source.current().kinds()).containsExactly(CollateralKind.TCB_INFO, CollateralKind.QE_IDENTITY,
                    CollateralKind.PCK_CRL, CollateralKind.ROOT_CA_CRL);
            for (String f : List.of("tcbinfo_response.json", "qeidentity_response.json", "pck_crl.der", "root_ca_crl.der",
                    "tcb_info_issuer_chain.pem", "qe_identity_issuer_chain.pem", "pck_crl_issuer_chain.pem")) {
                assertThat(c.collateral()).as(f).anySatisfy(b -> assertThat(b).isEqualTo(Files.readAllBytes(TDX_COLLATERAL.resolve(f))));
            }
            // what the enclave shipped is enough for a provider to get Intel's TCB status, as untrusted evidence collateral
            Claims claims = Verifiers.forPlatform(Platform.TDX).verify(c.evidence(),
                    new VerificationOptions(WHILE_CURRENT, List.of(), c.collateral()));
            assertThat(claims.byName()).containsEntry("tcb_status", "UpToDate");
        }
    }

    @Test
    void currentCacheIsShippedWithoutAskingTheServiceAgain() throws Exception {
        Clock clock = Clock.fixed(WHILE_CURRENT, ZoneOffset.UTC);
        CollateralSettings s;
        try (FakeCollateralServices pcs = FakeCollateralServices.intelForDcapQvlTdxQuote()) {
            s = settings(pcs.base());
            new CollateralShippingSource(tdxDevice(), s, clock).probe();
            assertThat(pcs.requests).hasSize(4);
        }
        // the service is gone: a restarted enclave starts from the cache, and a refresh finds nothing past nextUpdate
        CollateralShippingSource restarted = new CollateralShippingSource(tdxDevice(), s, clock);
        restarted.probe();
        restarted.refreshNow();
        assertThat(restarted.collect(REPORT_DATA).collateral()).hasSize(7);
    }

    @Test
    void piecesPastTheirNextUpdateAreFetchedAgain() throws Exception {
        try (FakeCollateralServices pcs = FakeCollateralServices.intelForDcapQvlTdxQuote()) {
            MutableClock clock = new MutableClock(WHILE_CURRENT);
            CollateralShippingSource source = new CollateralShippingSource(tdxDevice(), settings(pcs.base()), clock);
            source.probe();
            clock.now = Instant.parse("2025-08-01T00:00:00Z");
            source.refreshNow();
            // TCB Info, QE Identity and the PCK CRL expire 2025-07-19 and are fetched again; the Root CA CRL is still current
            assertThat(pcs.requests.subList(4, pcs.requests.size())).containsExactly("/tdx/certification/v4/tcb?fmspc=B0C06F000000",
                    "/tdx/certification/v4/qe/identity", "/sgx/certification/v4/pckcrl?ca=platform&encoding=der");
        }
    }

    @Test
    void failedRefreshKeepsShippingTheLastSet() throws Exception {
        MutableClock clock = new MutableClock(WHILE_CURRENT);
        CollateralShippingSource source;
        try (FakeCollateralServices pcs = FakeCollateralServices.intelForDcapQvlTdxQuote()) {
            source = new CollateralShippingSource(tdxDevice(), settings(pcs.base()), clock);
            source.probe();
        }
        clock.now = Instant.parse("2025-08-01T00:00:00Z");
        assertThatThrownBy(source::refreshNow).hasMessageContaining("cannot fetch");
        assertThat(source.collect(REPORT_DATA).collateral()).hasSize(7);
    }

    @Test
    void serviceDownAtStartFailsBeforeAnyProvider() throws Exception {
        CollateralShippingSource source = new CollateralShippingSource(tdxDevice(), settings(URI.create("http://127.0.0.1:9")), Clock.systemUTC());
        assertThatThrownBy(source::probe).hasMessageContaining("cannot fetch http://127.0.0.1:9/tdx/certification/v4/tcb?fmspc=B0C06F000000");
        assertThatThrownBy(() -> source.collect(REPORT_DATA)).hasMessageContaining("never fetched");
    }

    @Test
    void expiredCacheIsNotShippedWhenTheServiceIsDownAtStart() throws Exception {
        CollateralSettings s;
        try (FakeCollateralServices pcs = FakeCollateralServices.intelForDcapQvlTdxQuote()) {
            s = settings(pcs.base());
            new CollateralShippingSource(tdxDevice(), s, Clock.fixed(WHILE_CURRENT, ZoneOffset.UTC)).probe();
        }
        CollateralShippingSource later = new CollateralShippingSource(tdxDevice(), s, Clock.fixed(Instant.parse("2025-08-01T00:00:00Z"), ZoneOffset.UTC));
        assertThatThrownBy(later::probe).hasMessageContaining("cannot fetch");
    }

    @Test
    void serviceAnsweringWithSomethingElseIsRefusedAtStart() throws Exception {
        try (FakeCollateralServices pcs = FakeCollateralServices.intelForDcapQvlTdxQuote()) {
            pcs.serve("/tdx/certification/v4/tcb?fmspc=B0C06F000000", "<html>PCCS login</html>".getBytes());
            CollateralShippingSource source = new CollateralShippingSource(tdxDevice(), settings(pcs.base()), Clock.systemUTC());
            assertThatThrownBy(source::probe).hasMessageContaining("did not answer with a TCB Info");
        }
    }

    @Test
    void endlessAnswerFromAWrongUrlIsRefusedNotHeld() throws Exception {
        try (FakeCollateralServices pcs = FakeCollateralServices.intelForDcapQvlTdxQuote()) {
            pcs.serve("/tdx/certification/v4/tcb?fmspc=B0C06F000000", new byte[(8 << 20) + 1]);
            CollateralShippingSource source = new CollateralShippingSource(tdxDevice(), settings(pcs.base()), Clock.systemUTC());
            assertThatThrownBy(source::probe).hasMessageContaining("answered with more than 8 MiB");
        }
    }

    @Test
    void cacheIsOwnerOnly() throws Exception {
        try (FakeCollateralServices pcs = FakeCollateralServices.intelForDcapQvlTdxQuote()) {
            new CollateralShippingSource(tdxDevice(), settings(pcs.base()), Clock.fixed(WHILE_CURRENT, ZoneOffset.UTC)).probe();
        }
        Path cache = dir.resolve("cache");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache))).isEqualTo("rwx------");
        try (Stream<Path> files = Files.list(cache)) {
            assertThat(files.toList()).hasSize(4).allSatisfy(f ->
                    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------"));
        }
    }

    @Test
    void cacheOthersCanWriteIsRefused() throws Exception {
        Path shared = Files.createDirectory(dir.resolve("cache"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        CollateralShippingSource source = new CollateralShippingSource(tdxDevice(), settings(URI.create("http://127.0.0.1:9")), Clock.systemUTC());
        assertThatThrownBy(source::probe).hasMessageContaining("is writable by other users").hasMessageContaining("chmod 700");
    }

    @Test
    void snpShipsTheHostsVcekAndFetchesOnlyAmdsCrl() throws Exception {
        byte[] vcek = FakeDevices.vector("sev-snp/virtee-milan-vcek.der");
        FakeDevices.configfs(dir.resolve("tsm"), "veil", "sev_guest", FakeDevices.vector("sev-snp/virtee-milan-report.bin"),
                FakeDevices.certTable(vcek));
        byte[] crl = testCaCrl();
        try (FakeCollateralServices kds = new FakeCollateralServices().serve("/vcek/v1/Milan/crl", crl)) {
            // a v2 report does not name its CPU: the VCEK's issuer (SEV-Milan) does
            CollateralShippingSource source = new CollateralShippingSource(new ConfigfsTsmSource(Platform.SEV_SNP, dir.resolve("tsm"), () -> "veil"),
                    settings(kds.base()), Clock.fixed(WHILE_CURRENT, ZoneOffset.UTC));
            source.probe();
            EvidenceSource.Collected c = source.collect(REPORT_DATA);
            assertThat(kds.requests).containsExactly("/vcek/v1/Milan/crl");
            assertThat(c.collateral()).hasSize(2);
            assertThat(c.collateral().get(0)).isEqualTo(vcek);
            assertThat(c.collateral().get(1)).isEqualTo(crl);
        }
    }

    @Test
    void snpWithoutACertificateTableFetchesTheVcekFromKds() throws Exception {
        String chip = "d49554ec717f4e5b0fe6b143bcf0405bd7ae304727edf46603f2a76aef6a3abc15d7af38db757039029f0efacfd08e244324884738c72b082e2f87a44d541eb6";
        byte[] vcek = FakeDevices.vector("sev-snp/virtee-milan-vcek.der");
        Path device = Files.createFile(dir.resolve("sev-guest"));
        try (FakeCollateralServices kds = new FakeCollateralServices()
                .serve("/vcek/v1/Milan/" + chip + "?blSPL=3&teeSPL=0&snpSPL=8&ucodeSPL=115", vcek)
                .serve("/vcek/v1/Milan/crl", testCaCrl())) {
            CollateralSettings s = new CollateralSettings(new CollateralFetcher.Endpoints(kds.base(), kds.base(), kds.base()),
                    dir.resolve("cache"), "milan", Duration.ofHours(1));
            CollateralShippingSource source = new CollateralShippingSource(new SevGuestSource(device,
                    new FakeDevices.SevGuest(FakeDevices.vector("sev-snp/virtee-milan-report.bin")), 0, List.of()), s, Clock.systemUTC());
            source.probe();
            assertThat(source.collect(REPORT_DATA).collateral()).hasSize(2).first().isEqualTo(vcek);
            assertThat(source.current().kinds()).containsExactly(CollateralKind.ENDORSEMENT_KEY, CollateralKind.AMD_CRL);
        }
    }

    @Test
    void simAndNitroShipNoCollateralAndFetchNothing() throws Exception {
        var cfg = dev.veil.enclave.EnclaveConfig.simDefaults(dir.resolve("work"));
        assertThat(EvidenceSources.forPlatform(cfg, null, List.of())).isInstanceOf(SimEvidenceSource.class);
        var nitro = new dev.veil.enclave.EnclaveConfig(Platform.NITRO, "127.0.0.1", 0, dir, 1, 1, 1, 1, Duration.ofSeconds(1), false);
        assertThat(EvidenceSources.forPlatform(nitro, dir, List.of())).isInstanceOf(NitroNsmSource.class);
        var tdx = new dev.veil.enclave.EnclaveConfig(Platform.TDX, "127.0.0.1", 0, dir, 1, 1, 1, 1, Duration.ofSeconds(1), false);
        assertThat(EvidenceSources.forPlatform(tdx, dir, List.of())).isInstanceOf(CollateralShippingSource.class);
    }

    /** A CRL from a test CA, valid for a year: stands in for AMD's ARK-signed CRL, of which testdata has no copy. */
    static byte[] testCaCrl() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair ca = g.generateKeyPair();
        Date now = Date.from(WHILE_CURRENT);
        X509v2CRLBuilder b = new X509v2CRLBuilder(new X500Name("CN=ARK-Test"), now);
        b.setNextUpdate(Date.from(WHILE_CURRENT.plus(Duration.ofDays(365))));
        b.addCRLEntry(BigInteger.TEN, now, 1);
        return new JcaX509CRLConverter().getCRL(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.getPrivate()))).getEncoded();
    }

    static final class MutableClock extends Clock {
        volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
