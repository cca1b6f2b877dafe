package dev.veil.attest.dcap;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Builds DCAP quotes signed with keys a test holds (layout per Intel's DCAP quote format: header, SGX report or TD
 * report, signature data with the QE report and certification data), so a check can be shown to refuse a quote that
 * is otherwise valid. Defaults: an SGX v3 quote with Intel's QE vendor id and a PEM PCK chain (type 5).
 */
final class TestQuote {
    static final byte[] INTEL_VENDOR = HexFormat.of().parseHex("939a7233f79c4ca9940a0db3957f0607");

    int version = 3;
    int tee = DcapQuote.TEE_SGX;
    byte[] vendor = INTEL_VENDOR;
    int certType = DcapQuote.CERT_PCK_CHAIN;
    /** v4/v5 only: the type of the outer certification data, which must carry the QE report (6). */
    int outerType = DcapQuote.CERT_QE_REPORT;
    boolean breakBinding;
    /** For TD reports: TEE_TCB_SVN, MRSIGNERSEAM, SEAMATTRIBUTES, TDATTRIBUTES (little-endian). */
    byte[] teeTcbSvn = new byte[16];
    byte[] mrSignerSeam = new byte[48];
    byte[] seamAttributes = new byte[8];
    byte[] tdAttributes = new byte[8];

    private final KeyPair attestation;
    private final PrivateKey pckKey;
    private final List<X509Certificate> chain;

    TestQuote(KeyPair attestation, PrivateKey pckKey, List<X509Certificate> chain) {
        this.attestation = attestation;
        this.pckKey = pckKey;
        this.chain = chain;
    }

    TestQuote tdx(int version) {
        this.version = version;
        this.tee = DcapQuote.TEE_TDX;
        return this;
    }

    byte[] build() throws Exception {
        boolean td = tee == DcapQuote.TEE_TDX;
        ByteArrayOutputStream signed = new ByteArrayOutputStream();
        signed.writeBytes(le(8).putShort((short) version).putShort((short) 2).putInt(tee).array());
        signed.writeBytes(new byte[4]);                                     // QE SVN, PCE SVN
        signed.writeBytes(vendor);
        signed.writeBytes(new byte[20]);                                    // user data
        byte[] body = new byte[td ? ReportBody.Td.LENGTH_10 : ReportBody.Sgx.LENGTH];
        if (td) {
            System.arraycopy(teeTcbSvn, 0, body, 0, 16);
            System.arraycopy(mrSignerSeam, 0, body, 16 + 48, 48);
            System.arraycopy(seamAttributes, 0, body, 112, 8);
            System.arraycopy(tdAttributes, 0, body, 120, 8);
        }
        if (version == 5) {
            signed.writeBytes(le(6).putShort((short) (td ? 2 : 1)).putInt(body.length).array());
        }
        signed.writeBytes(body);
        byte[] header = signed.toByteArray();
        byte[] attKey = RevokedPckTest.rawXy((ECPublicKey) attestation.getPublic());
        byte[] qeReport = new byte[384];
        byte[] binding = MessageDigest.getInstance("SHA-256").digest(attKey);   // no QE auth data
        System.arraycopy(binding, 0, qeReport, 320, 32);
        if (breakBinding) {
            qeReport[320] ^= 1;
        }
        StringBuilder pem = new StringBuilder();
        for (X509Certificate c : chain) {
            pem.append("-----BEGIN CERTIFICATE-----\n").append(Base64.getMimeEncoder().encodeToString(c.getEncoded()))
                    .append("\n-----END CERTIFICATE-----\n");
        }
        byte[] certData = pem.toString().getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream qeCert = new ByteArrayOutputStream();
        qeCert.writeBytes(qeReport);
        qeCert.writeBytes(RevokedPckTest.sign(pckKey, qeReport));
        qeCert.writeBytes(new byte[] {0, 0});                              // QE auth data length 0
        qeCert.writeBytes(le(6).putShort((short) certType).putInt(certData.length).array());
        qeCert.writeBytes(certData);
        ByteArrayOutputStream sig = new ByteArrayOutputStream();
        sig.writeBytes(RevokedPckTest.sign(attestation.getPrivate(), header));
        sig.writeBytes(attKey);
        if (version == 3) {
            sig.writeBytes(qeCert.toByteArray());
        } else {
            sig.writeBytes(le(6).putShort((short) outerType).putInt(qeCert.size()).array());
            sig.writeBytes(qeCert.toByteArray());
        }
        ByteArrayOutputStream q = new ByteArrayOutputStream();
        q.writeBytes(header);
        q.writeBytes(le(4).putInt(sig.size()).array());
        q.writeBytes(sig.toByteArray());
        return q.toByteArray();
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }
}
