package dev.veil.enclave.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Platform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each collector against a fake interface that returns real evidence. */
class EvidenceSourcesTest {
    static final byte[] REPORT_DATA = new byte[64];

    static {
        Arrays.fill(REPORT_DATA, (byte) 0x5a);
    }

    @TempDir
    Path root;

    @Test
    void configfsTsmSnpWritesInblobAndReturnsReportWithVcekFromAuxblob() throws Exception {
        byte[] report = FakeDevices.vector("sev-snp/virtee-milan-report.bin");
        byte[] vcek = FakeDevices.vector("sev-snp/virtee-milan-vcek.der");
        Path entry = FakeDevices.configfs(root, "e1", "sev_guest", report, FakeDevices.certTable(vcek));
        EvidenceSource.Collected c = new ConfigfsTsmSource(Platform.SEV_SNP, root, () -> "e1").collect(REPORT_DATA);
        assertThat(c.evidence()).isEqualTo(report);
        assertThat(c.collateral()).hasSize(1);
        assertThat(c.collateral().get(0)).isEqualTo(vcek);
        assertThat(Files.readAllBytes(entry.resolve("inblob"))).isEqualTo(REPORT_DATA);
    }

    @Test
    void configfsTsmTdxReturnsTheQuote() throws Exception {
        byte[] quote = FakeDevices.vector("tdx/dcapqvl-tdx_quote.bin");
        FakeDevices.configfs(root, "e2", "tdx_guest", quote, null);
        assertThat(new ConfigfsTsmSource(Platform.TDX, root, () -> "e2").collect(REPORT_DATA).evidence()).isEqualTo(quote);
    }

    @Test
    void configfsTsmRefusesTheWrongProviderAndAMissingInterface() throws Exception {
        FakeDevices.configfs(root, "e3", "sev_guest", new byte[10], null);
        assertThatThrownBy(() -> new ConfigfsTsmSource(Platform.TDX, root, () -> "e3").collect(REPORT_DATA))
                .hasMessageContaining("provider is 'sev_guest', expected 'tdx_guest'");
        assertThatThrownBy(() -> new ConfigfsTsmSource(Platform.SEV_SNP, root.resolve("absent")).collect(REPORT_DATA))
                .hasMessageContaining("configfs-tsm is not available");
    }

    @Test
    void malformedCertificateTableIsRefused() throws Exception {
        byte[] table = FakeDevices.certTable(new byte[8]);
        table[16] = (byte) 0xff;   // offset far outside
        FakeDevices.configfs(root, "e4", "sev_guest", new byte[1184], table);
        assertThatThrownBy(() -> new ConfigfsTsmSource(Platform.SEV_SNP, root, () -> "e4").collect(REPORT_DATA))
                .hasMessageContaining("points outside the table");
    }

    @Test
    void gramineWritesUserReportDataAndReadsTheQuote() throws Exception {
        byte[] quote = FakeDevices.vector("sgx/dcapqvl-sgx_quote.bin");
        Files.writeString(root.resolve("attestation_type"), "dcap");
        Files.write(root.resolve("quote"), quote);
        assertThat(new GramineSgxSource(root).collect(REPORT_DATA).evidence()).isEqualTo(quote);
        assertThat(Files.readAllBytes(root.resolve("user_report_data"))).isEqualTo(REPORT_DATA);
        Files.writeString(root.resolve("attestation_type"), "epid");
        assertThatThrownBy(() -> new GramineSgxSource(root).collect(REPORT_DATA)).hasMessageContaining("expected 'dcap'");
    }

    @Test
    void nitroNsmSendsTheBindingAsUserDataThroughTheNsmIoctl() throws Exception {
        byte[] doc = dev.veil.attest.EvidenceEncoding.decode(FakeDevices.vector("nitro/eternis-example_attestation.b64"));
        FakeDevices.Nsm nsm = new FakeDevices.Nsm(doc);
        assertThat(new NitroNsmSource(Path.of("/dev/nsm"), nsm).collect(REPORT_DATA).evidence()).isEqualTo(doc);
        assertThat(nsm.lastUserData).isEqualTo(REPORT_DATA);
        assertThat(nsm.lastRequest).isEqualTo(0xC0200A00L);
    }

    @Test
    void sevGuestIoctlRequestsAReportForTheBinding() throws Exception {
        byte[] report = FakeDevices.vector("sev-snp/trustee-report.bin");
        FakeDevices.SevGuest dev = new FakeDevices.SevGuest(report);
        byte[] vcek = FakeDevices.vector("sev-snp/trustee-vcek.der");
        EvidenceSource.Collected c = new SevGuestSource(Path.of("/dev/sev-guest"), dev, 0, java.util.List.of(vcek)).collect(REPORT_DATA);
        assertThat(c.evidence()).isEqualTo(report);
        assertThat(c.collateral()).containsExactly(vcek);
        assertThat(dev.lastUserData).isEqualTo(REPORT_DATA);
        assertThat(SevGuestSource.SNP_GET_REPORT).isEqualTo(0xC0205300L);
    }
}
