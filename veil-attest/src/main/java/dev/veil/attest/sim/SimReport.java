package dev.veil.attest.sim;

import dev.veil.attest.AttestationException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The simulated attestation report, laid out like a hardware report so the same parse → verify → validate steps
 * apply. Little-endian integers, as in SNP and TDX reports.
 * <pre>
 * 0x000  magic "VEILSIM1"        8
 * 0x008  version (u32) = 1       4
 * 0x00C  flags (u32), bit 0 = debug
 * 0x010  measurement (SHA-384)   48
 * 0x040  report_data             64
 * 0x080  chip_id                 32   identifies the simulated machine; bound to its chip certificate
 * 0x0A0  reserved, must be zero  32
 * 0x0C0  signature r‖s           96   ECDSA P-384 / SHA-384 over bytes 0x000..0x0BF, big-endian
 * </pre>
 */
public record SimReport(int version, int flags, byte[] measurement, byte[] reportData, byte[] chipId, byte[] signature) {
    public static final byte[] MAGIC = {'V', 'E', 'I', 'L', 'S', 'I', 'M', '1'};
    public static final int VERSION = 1;
    public static final int SIGNED_LENGTH = 0xC0;
    public static final int LENGTH = SIGNED_LENGTH + 96;
    public static final int FLAG_DEBUG = 1;

    public SimReport {
        measurement = measurement.clone();
        reportData = reportData.clone();
        chipId = chipId.clone();
        signature = signature.clone();
    }

    public boolean debug() {
        return (flags & FLAG_DEBUG) != 0;
    }

    @Override
    public byte[] measurement() {
        return measurement.clone();
    }

    @Override
    public byte[] reportData() {
        return reportData.clone();
    }

    @Override
    public byte[] chipId() {
        return chipId.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** The bytes the signature covers. */
    public byte[] signedBytes() {
        ByteBuffer b = ByteBuffer.allocate(SIGNED_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putInt(version).putInt(flags).put(measurement).put(reportData).put(chipId).put(new byte[32]);
        return b.array();
    }

    public byte[] encode() {
        byte[] out = Arrays.copyOf(signedBytes(), LENGTH);
        System.arraycopy(signature, 0, out, SIGNED_LENGTH, 96);
        return out;
    }

    /** Parses exactly {@link #LENGTH} bytes: layout only, no cryptography. */
    public static SimReport parse(byte[] bytes) throws AttestationException {
        if (bytes.length != LENGTH) {
            throw new AttestationException("sim report length", bytes.length + " bytes", LENGTH + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[8];
        b.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new AttestationException("sim report magic", hex(magic), hex(MAGIC) + " (\"VEILSIM1\")");
        }
        int version = b.getInt();
        if (version != VERSION) {
            throw new AttestationException("sim report version", Integer.toString(version), Integer.toString(VERSION));
        }
        int flags = b.getInt();
        if ((flags & ~FLAG_DEBUG) != 0) {
            throw new AttestationException("sim report flags", "0x" + Integer.toHexString(flags), "only bit 0 (debug) may be set");
        }
        byte[] measurement = take(b, 48);
        byte[] reportData = take(b, 64);
        byte[] chipId = take(b, 32);
        byte[] reserved = take(b, 32);
        for (byte x : reserved) {
            if (x != 0) {
                throw new AttestationException("sim report reserved bytes 0xA0..0xBF", hex(reserved), "all zero");
            }
        }
        return new SimReport(version, flags, measurement, reportData, chipId, take(b, 96));
    }

    private static byte[] take(ByteBuffer b, int n) {
        byte[] x = new byte[n];
        b.get(x);
        return x;
    }

    static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b);
    }
}
