package dev.veil.attest.dcap;

import dev.veil.attest.AttestationException;
import dev.veil.attest.x509.CertificateSet;
import java.io.ByteArrayInputStream;
import java.security.cert.CRL;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.util.ArrayList;
import java.util.List;

/**
 * DCAP collateral from one source, recognised by content: certificates (TCB signing chain, PCK chains), CRLs (PCK
 * CRL, Root CA CRL; DER or PEM), and PCS responses (TCB Info, QE Identity). A JSON blob must be a well-formed PCS
 * response: a malformed one is refused, never skipped.
 */
record IntelCollateral(CertificateSet certificates, List<X509CRL> crls, List<Signed<TcbInfo>> tcbInfos,
                       List<Signed<QeIdentity>> qeIdentities) {
    IntelCollateral {
        crls = List.copyOf(crls);
        tcbInfos = List.copyOf(tcbInfos);
        qeIdentities = List.copyOf(qeIdentities);
    }

    @SuppressWarnings("unchecked")   // the body's type was just tested
    static IntelCollateral from(List<byte[]> blobs) throws AttestationException {
        List<X509CRL> crls = new ArrayList<>();
        List<Signed<TcbInfo>> tcb = new ArrayList<>();
        List<Signed<QeIdentity>> qe = new ArrayList<>();
        List<byte[]> certBlobs = new ArrayList<>();
        for (byte[] b : blobs) {
            if (PcsResponse.isJson(b)) {
                Signed<? extends IntelSigned> s = PcsResponse.read(b);
                if (s.body() instanceof TcbInfo) {
                    tcb.add((Signed<TcbInfo>) s);
                } else {
                    qe.add((Signed<QeIdentity>) s);
                }
            } else if (!CertificateSet.parseAll(b).isEmpty()) {
                certBlobs.add(b);
            } else {
                crls.addAll(parseCrls(b));
            }
        }
        return new IntelCollateral(CertificateSet.from(certBlobs), crls, tcb, qe);
    }

    private static List<X509CRL> parseCrls(byte[] b) {
        try {
            List<X509CRL> out = new ArrayList<>();
            for (CRL c : CertificateFactory.getInstance("X.509").generateCRLs(new ByteArrayInputStream(b))) {
                out.add((X509CRL) c);
            }
            return out;
        } catch (Exception notACrl) {
            return List.of();
        }
    }
}
