package dev.veil.enclave.evidence;

import com.sun.jna.Memory;
import dev.veil.attest.Platform;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Evidence from {@code /dev/sev-guest} (SNP_GET_REPORT) for kernels without configfs-tsm. The firmware returns only
 * the report; the VCEK is not included, so the operator passes it ({@code --certs}) or the enclave fetches it from
 * AMD KDS for this chip and TCB ({@link CollateralShippingSource}), or the providers supply it.
 */
public final class SevGuestSource implements EvidenceSource {
    public static final Path DEFAULT_DEVICE = Path.of("/dev/sev-guest");
    /** SNP_GET_REPORT = _IOWR('S', 0x0, struct snp_guest_request_ioctl), a 32-byte struct. */
    static final long SNP_GET_REPORT = DeviceIoctl.iowr('S', 0x0, 32);
    static final int REQUEST_SIZE = 96;      // struct snp_report_req: user_data[64], vmpl u32, reserved[28]
    static final int RESPONSE_SIZE = 4000;   // struct snp_report_resp: MSG_REPORT_RSP inside
    static final int REPORT_SIZE = 1184;

    private final Path device;
    private final DeviceIoctl ioctl;
    private final int vmpl;
    private final List<byte[]> certificates;

    public SevGuestSource(Path device, DeviceIoctl ioctl, int vmpl, List<byte[]> certificates) {
        this.device = device;
        this.ioctl = ioctl;
        this.vmpl = vmpl;
        this.certificates = List.copyOf(certificates);
    }

    @Override
    public Platform platform() {
        return Platform.SEV_SNP;
    }

    @Override
    public void probe() throws IOException {
        DeviceIoctl.requireDevice(device, "an SEV-SNP guest");
    }

    @Override
    public Collected collect(byte[] reportData) throws IOException {
        Memory req = new Memory(REQUEST_SIZE);
        req.clear();
        req.write(0, reportData, 0, 64);
        req.setInt(64, vmpl);
        Memory resp = new Memory(RESPONSE_SIZE);
        resp.clear();
        Memory msg = new Memory(32);
        msg.clear();
        msg.setByte(0, (byte) 1);            // msg_version
        msg.setPointer(8, req);
        msg.setPointer(16, resp);
        ioctl.ioctl(device, SNP_GET_REPORT, msg);
        long exitInfo = msg.getLong(24);
        int status = resp.getInt(0);
        int size = resp.getInt(4);
        if (exitInfo != 0 || status != 0) {
            throw new IOException(String.format("SNP_GET_REPORT failed: firmware status 0x%x, exitinfo2 0x%x", status, exitInfo));
        }
        if (size != REPORT_SIZE) {
            throw new IOException("SNP_GET_REPORT returned a report of " + size + " bytes, expected " + REPORT_SIZE);
        }
        return new Collected(resp.getByteArray(32, REPORT_SIZE), certificates);
    }
}
