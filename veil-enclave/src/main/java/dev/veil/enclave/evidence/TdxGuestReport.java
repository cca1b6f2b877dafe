package dev.veil.enclave.evidence;

import com.sun.jna.Memory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The TD's own TDREPORT from {@code /dev/tdx_guest} (TDX_CMD_GET_REPORT0). A TDREPORT is MAC'd for the local platform,
 * not signed, so it is not evidence for a remote party — Veil takes TDX quotes from configfs-tsm. What it is good
 * for is telling an operator, from inside the TD, the MRTD and RTMRs to pin in a contract.
 * Layout: REPORTMACSTRUCT (256) | TEE_TCB_INFO (239) + reserved (17) | TDINFO (512): attributes, xfam, mrtd,
 * mrconfigid, mrowner, mrownerconfig, rtmr0–3.
 */
public final class TdxGuestReport {
    public static final Path DEFAULT_DEVICE = Path.of("/dev/tdx_guest");
    public static final int LENGTH = 1024;
    /** TDX_CMD_GET_REPORT0 = _IOWR('T', 1, struct tdx_report_req { u8 reportdata[64]; u8 tdreport[1024]; }). */
    static final long GET_REPORT0 = DeviceIoctl.iowr('T', 1, 64 + LENGTH);
    private static final int TDINFO = 512;

    private TdxGuestReport() {
    }

    public static byte[] read(Path device, DeviceIoctl ioctl, byte[] reportData) throws IOException {
        DeviceIoctl.requireDevice(device, "a TDX trust domain");
        Memory req = new Memory(64 + LENGTH);
        req.clear();
        req.write(0, reportData, 0, 64);
        ioctl.ioctl(device, GET_REPORT0, req);
        return req.getByteArray(64, LENGTH);
    }

    /** MRTD, RTMRs and the other TDINFO measurements, as hex. */
    public static Map<String, String> measurements(byte[] tdreport) throws IOException {
        if (tdreport.length != LENGTH) {
            throw new IOException("TDREPORT is " + tdreport.length + " bytes, expected " + LENGTH);
        }
        if ((tdreport[0] & 0xff) != 0x81) {
            throw new IOException(String.format("TDREPORT type is 0x%02x, expected 0x81 (TDX)", tdreport[0] & 0xff));
        }
        HexFormat hex = HexFormat.of();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("td_attributes", hex.formatHex(Arrays.copyOfRange(tdreport, TDINFO, TDINFO + 8)));
        String[] names = {"mrtd", "mrconfigid", "mrowner", "mrownerconfig", "rtmr0", "rtmr1", "rtmr2", "rtmr3"};
        for (int i = 0; i < names.length; i++) {
            int off = TDINFO + 16 + 48 * i;
            m.put(names[i], hex.formatHex(Arrays.copyOfRange(tdreport, off, off + 48)));
        }
        return m;
    }
}
