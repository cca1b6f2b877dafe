package dev.veil.attest.dcap;

import static dev.veil.attest.dcap.RevokedPckTest.cert;
import static dev.veil.attest.dcap.RevokedPckTest.p256;
import static dev.veil.attest.dcap.RevokedPckTest.sign;

import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A stand-in for Intel's SGX PKI whose keys the test holds: root, PCK Platform CA, PCK certificate (FMSPC
 * 00a067110000, PCE-ID 0000, every component SVN 5, PCE SVN 13), TCB Signing certificate, and collateral signed with
 * them. Lets a test build collateral or a quote that differs from a valid one in exactly the way an attack would.
 */
final class TestPki {
    static final Instant AT = RevokedPckTest.AT;
    static final String ROOT = "CN=Intel SGX Root CA";
    static final String CA = "CN=Intel SGX PCK Platform CA";

    final KeyPair root = p256();
    final KeyPair ca = p256();
    final KeyPair pck = p256();
    final KeyPair tcbSigning = p256();
    final KeyPair attestation = p256();
    final X509Certificate rootCert;
    final X509Certificate caCert;
    final X509Certificate pckCert;
    final X509Certificate signingCert;

    TestPki() throws Exception {
        rootCert = cert(ROOT, ROOT, root.getPublic(), root.getPrivate(), 1, false);
        caCert = cert(ROOT, CA, ca.getPublic(), root.getPrivate(), 2, false);
        pckCert = cert(CA, "CN=Intel SGX PCK Certificate", pck.getPublic(), ca.getPrivate(), 3, true);
        signingCert = cert(ROOT, "CN=Intel SGX TCB Signing", tcbSigning.getPublic(), root.getPrivate(), 4, false);
    }

    DcapEvidenceVerifier verifier(Platform platform) {
        return new DcapEvidenceVerifier(platform, rootCert);
    }

    /** A quote for the PCK of this PKI (SGX v3 unless changed). */
    TestQuote quote() {
        return new TestQuote(attestation, pck.getPrivate(), List.of(pckCert, caCert, rootCert));
    }

    /** Verifies with the TCB signing certificate and {@code trusted} as the verifier's own collateral, {@code host} as the host's. */
    Claims verify(Platform platform, byte[] quote, List<byte[]> trusted, List<byte[]> host) throws Exception {
        List<byte[]> mine = new ArrayList<>(List.of(signingCert.getEncoded()));
        mine.addAll(trusted);
        return verifier(platform).verify(quote, new VerificationOptions(AT, mine, host));
    }

    /** An SGX TCB Info v3 for this PKI's platform with one level at the PCK's TCB. */
    static String sgxTcbInfo(String status, int evaluationNumber, String issueDate) {
        return "{\"id\":\"SGX\",\"version\":3,\"issueDate\":\"" + issueDate + "\",\"nextUpdate\":\"2026-07-01T00:00:00Z\","
                + "\"fmspc\":\"00A067110000\",\"pceId\":\"0000\",\"tcbType\":0,\"tcbEvaluationDataNumber\":" + evaluationNumber + ","
                + "\"tcbLevels\":[{\"tcb\":{\"sgxtcbcomponents\":[" + components(5) + "],\"pcesvn\":13},\"tcbDate\":\"2026-01-01T00:00:00Z\","
                + "\"tcbStatus\":\"" + status + "\",\"advisoryIDs\":[\"INTEL-SA-99999\"]}]}";
    }

    /**
     * A TDX TCB Info v3: one level at the PCK's SGX TCB with TDX components all 0, the TDX module with MRSIGNERSEAM
     * {@code mrSignerSeam} and SEAMATTRIBUTES 0 under a full mask, and identity TDX_01 whose one level is isvsvn 2.
     */
    static String tdxTcbInfo(String mrSignerSeam, String moduleStatus) {
        String module = "\"mrsigner\":\"" + mrSignerSeam + "\",\"attributes\":\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\"";
        return "{\"id\":\"TDX\",\"version\":3,\"issueDate\":\"2026-05-01T00:00:00Z\",\"nextUpdate\":\"2026-07-01T00:00:00Z\","
                + "\"fmspc\":\"00A067110000\",\"pceId\":\"0000\",\"tcbType\":0,\"tcbEvaluationDataNumber\":17,"
                + "\"tdxModule\":{" + module + "},\"tdxModuleIdentities\":[{\"id\":\"TDX_01\"," + module + ",\"tcbLevels\":["
                + "{\"tcb\":{\"isvsvn\":2},\"tcbDate\":\"2026-01-01T00:00:00Z\",\"tcbStatus\":\"" + moduleStatus + "\"}]}],"
                + "\"tcbLevels\":[{\"tcb\":{\"sgxtcbcomponents\":[" + components(5) + "],\"pcesvn\":13,\"tdxtcbcomponents\":["
                + components(0) + "]},\"tcbDate\":\"2026-01-01T00:00:00Z\",\"tcbStatus\":\"UpToDate\"}]}";
    }

    /** A QE Identity for an all-zero QE report (MRSIGNER 0, ISVPRODID 0, ISVSVN 0). */
    static String qeIdentity(String id, int evaluationNumber, String status) {
        return "{\"id\":\"" + id + "\",\"version\":2,\"issueDate\":\"2026-05-01T00:00:00Z\",\"nextUpdate\":\"2026-07-01T00:00:00Z\","
                + "\"tcbEvaluationDataNumber\":" + evaluationNumber + ",\"miscselect\":\"00000000\",\"miscselectMask\":\"FFFFFFFF\","
                + "\"attributes\":\"00000000000000000000000000000000\",\"attributesMask\":\"FBFFFFFFFFFFFFFF0000000000000000\","
                + "\"mrsigner\":\"" + "00".repeat(32) + "\",\"isvprodid\":0,\"tcbLevels\":[{\"tcb\":{\"isvsvn\":0},"
                + "\"tcbDate\":\"2026-01-01T00:00:00Z\",\"tcbStatus\":\"" + status + "\"}]}";
    }

    private static String components(int svn) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            b.append(i > 0 ? "," : "").append("{\"svn\":").append(svn).append('}');
        }
        return b.toString();
    }

    /** A PCS response for {@code body}, signed by this PKI's TCB signing key over exactly those bytes. */
    byte[] signed(String field, String body) throws Exception {
        return signed(field, body, tcbSigning.getPrivate());
    }

    static byte[] signed(String field, String body, PrivateKey key) throws Exception {
        String sig = HexFormat.of().formatHex(sign(key, body.getBytes(StandardCharsets.UTF_8)));
        return ("{\"" + field + "\":" + body + ",\"signature\":\"" + sig + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A CRL by {@code issuer} valid from {@code from} to {@code to}, listing {@code revoked}, WITHOUT the extensions
     * Intel's CRLs carry (CRL number, authority key identifier): genuine, so its entries revoke, but never counted as the
     * complete list in force ({@link IntelCrlProfile}). Use {@link IntelStyleCrl} for a list that counts.
     */
    static byte[] crl(String issuer, PrivateKey signer, Instant from, Instant to, BigInteger... revoked) throws Exception {
        X509v2CRLBuilder b = new X509v2CRLBuilder(new X500Name(issuer), Date.from(from));
        b.setNextUpdate(Date.from(to));
        for (BigInteger r : revoked) {
            b.addCRLEntry(r, Date.from(from), CRLReason.keyCompromise);
        }
        return new JcaX509CRLConverter().getCRL(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer))).getEncoded();
    }

    byte[] rootCrl(BigInteger... revoked) throws Exception {
        return crl(ROOT, root.getPrivate(), Instant.parse("2026-05-01T00:00:00Z"), Instant.parse("2026-07-01T00:00:00Z"), revoked);
    }

    byte[] pckCrl(BigInteger... revoked) throws Exception {
        return crl(CA, ca.getPrivate(), Instant.parse("2026-05-01T00:00:00Z"), Instant.parse("2026-07-01T00:00:00Z"), revoked);
    }
}
