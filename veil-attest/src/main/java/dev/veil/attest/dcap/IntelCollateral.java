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
 * DCAP collateral the user supplied, recognised by content: certificates (PCK, TCB signing and their chains), CRLs
 * (PCK CRL, root CA CRL; DER or PEM), TCB Info and QE Identity responses (JSON with their signature).
 */
record IntelCollateral(CertificateSet certificates, List<X509CRL> crls, List<SignedJson> tcbInfos, List<SignedJson> qeIdentities) {
    static IntelCollateral from(List<byte[]> blobs) throws AttestationException {
        List<X509CRL> crls = new ArrayList<>();
        List<SignedJson> tcb = new ArrayList<>();
        List<SignedJson> qe = new ArrayList<>();
        List<byte[]> certBlobs = new ArrayList<>();
        for (byte[] b : blobs) {
            SignedJson t = SignedJson.parse(b, "tcbInfo");
            SignedJson q = t == null ? SignedJson.parse(b, "enclaveIdentity") : null;
            if (t != null) {
                tcb.add(t);
            } else if (q != null) {
                qe.add(q);
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
