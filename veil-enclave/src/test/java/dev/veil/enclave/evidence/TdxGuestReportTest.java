package dev.veil.enclave.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /dev/tdx_guest's TDREPORT through a fake device. go-tdx-guest's report.dat is a parser fixture rather than a genuine
 * TDREPORT (its REPORTTYPE byte is 0x0f, not TDX's 0x81), so it checks the ioctl round trip and the type check; the
 * field offsets are checked on a TDREPORT laid out per the TDX module specification.
 */
class TdxGuestReportTest {
    @TempDir
    Path dir;

    @Test
    void ioctlSendsTheReportDataAndReturnsTheTdreport() throws Exception {
        byte[] fixture = FakeDevices.vector("tdx/gotdxguest-tdreport.bin");
        Path device = Files.createFile(dir.resolve("tdx_guest"));
        byte[][] seen = new byte[1][];
        byte[] got = TdxGuestReport.read(device, (d, request, arg) -> {
            assertThat(request).isEqualTo(0xC4405401L);
            seen[0] = arg.getByteArray(0, 64);
            arg.write(64, fixture, 0, fixture.length);
            return 0;
        }, EvidenceSourcesTest.REPORT_DATA);
        assertThat(got).isEqualTo(fixture);
        assertThat(seen[0]).isEqualTo(EvidenceSourcesTest.REPORT_DATA);
        assertThatThrownBy(() -> TdxGuestReport.measurements(fixture)).hasMessageContaining("type is 0x0f, expected 0x81");
    }

    @Test
    void namesTheTdinfoMeasurements() throws Exception {
        byte[] r = new byte[TdxGuestReport.LENGTH];
        r[0] = (byte) 0x81;
        Arrays.fill(r, 512 + 16, 512 + 64, (byte) 0x11);                 // MRTD
        Arrays.fill(r, 512 + 16 + 48 * 4, 512 + 16 + 48 * 5, (byte) 0x22);  // RTMR0
        Arrays.fill(r, 512 + 16 + 48 * 7, 512 + 16 + 48 * 8, (byte) 0x33);  // RTMR3
        Map<String, String> m = TdxGuestReport.measurements(r);
        assertThat(m.get("mrtd")).isEqualTo("11".repeat(48));
        assertThat(m.get("rtmr0")).isEqualTo("22".repeat(48));
        assertThat(m.get("rtmr3")).isEqualTo("33".repeat(48));
        assertThat(m.get("rtmr1")).isEqualTo("00".repeat(48));
    }

    @Test
    void refusesShortReportsAndAMissingDevice() {
        assertThatThrownBy(() -> TdxGuestReport.measurements(new byte[10])).hasMessageContaining("expected 1024");
        assertThatThrownBy(() -> TdxGuestReport.read(dir.resolve("absent"), (d, r, a) -> 0, new byte[64]))
                .hasMessageContaining("run the enclave inside a TDX trust domain");
    }
}
