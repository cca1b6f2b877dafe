package dev.veil.attest.sim;

import dev.veil.attest.AttestationException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Sim evidence on the wire: the report followed by its certificate table, the way an SNP extended report carries
 * its VCEK. Layout: report (288 bytes) | cert count (u16, big-endian, 1..4) | per certificate: length (u32,
 * big-endian, 1..16384) and DER bytes. Nothing may follow.
 */
public record SimEvidence(SimReport report, List<byte[]> certificates) {
    static final int MAX_CERTS = 4;
    static final int MAX_CERT_LENGTH = 16384;

    public SimEvidence {
        certificates = certificates.stream().map(byte[]::clone).toList();
    }

    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(report.encode());
        out.writeBytes(ByteBuffer.allocate(2).putShort((short) certificates.size()).array());
        for (byte[] c : certificates) {
            out.writeBytes(ByteBuffer.allocate(4).putInt(c.length).array());
            out.writeBytes(c);
        }
        return out.toByteArray();
    }

    public static SimEvidence parse(byte[] bytes) throws AttestationException {
        if (bytes.length < SimReport.LENGTH + 2) {
            throw new AttestationException("sim evidence length", bytes.length + " bytes", "at least " + (SimReport.LENGTH + 2));
        }
        SimReport report = SimReport.parse(java.util.Arrays.copyOf(bytes, SimReport.LENGTH));
        ByteBuffer b = ByteBuffer.wrap(bytes, SimReport.LENGTH, bytes.length - SimReport.LENGTH);
        int count = b.getShort() & 0xffff;
        if (count < 1 || count > MAX_CERTS) {
            throw new AttestationException("sim evidence certificate count", Integer.toString(count), "1.." + MAX_CERTS);
        }
        List<byte[]> certs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (b.remaining() < 4) {
                throw new AttestationException("sim evidence certificate " + i, "truncated length field", "4 bytes");
            }
            int len = b.getInt();
            if (len < 1 || len > MAX_CERT_LENGTH || len > b.remaining()) {
                throw new AttestationException("sim evidence certificate " + i + " length", Integer.toString(len),
                        "1.." + Math.min(MAX_CERT_LENGTH, b.remaining()));
            }
            byte[] der = new byte[len];
            b.get(der);
            certs.add(der);
        }
        if (b.hasRemaining()) {
            throw new AttestationException("sim evidence trailing bytes", b.remaining() + " bytes", "none");
        }
        return new SimEvidence(report, certs);
    }
}
