package dev.veil.attest.dcap;

import dev.veil.attest.AttestationException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * DCAP collateral from one source, recognised by content: certificates (TCB signing chain, PCK chains), CRLs (PCK
 * CRL, Root CA CRL; DER or PEM), and PCS responses (TCB Info, QE Identity). Every blob is read to its last byte by
 * {@link CollateralBlob} or the whole source is refused, naming the blob: a malformed one is refused, never skipped.
 */
record IntelCollateral(List<X509Certificate> certificates, List<X509CRL> crls, List<Signed<TcbInfo>> tcbInfos,
                       List<Signed<QeIdentity>> qeIdentities) {
    /** Where the blobs came from, as a refusal names it. */
    enum Source {
        /** The verifier's own files, cache or PCS/PCCS fetch. */
        VERIFIER("verifier's collateral"),
        /**
         * What the enclave's host sent. Refused, like the verifier's own, when a blob cannot be read, rather than
         * ignored: a genuine CRL in it still proves a revocation (Intel does not un-revoke), so dropping an unreadable
         * one could drop that proof, while refusing gives a hostile host nothing it could not get by sending nothing.
         */
        HOST("collateral from the evidence's host");

        private final String name;

        Source(String name) {
            this.name = name;
        }
    }

    IntelCollateral {
        certificates = List.copyOf(certificates);
        crls = List.copyOf(crls);
        tcbInfos = List.copyOf(tcbInfos);
        qeIdentities = List.copyOf(qeIdentities);
    }

    @SuppressWarnings("unchecked")   // the body's type was just tested
    static IntelCollateral from(List<byte[]> blobs, Source source) throws AttestationException {
        List<X509Certificate> certificates = new ArrayList<>();
        List<X509CRL> crls = new ArrayList<>();
        List<Signed<TcbInfo>> tcb = new ArrayList<>();
        List<Signed<QeIdentity>> qe = new ArrayList<>();
        for (int i = 0; i < blobs.size(); i++) {
            CollateralBlob.Contents c = CollateralBlob.read(blobs.get(i), source.name + " item " + (i + 1) + " of " + blobs.size());
            certificates.addAll(c.certificates());
            crls.addAll(c.crls());
            for (Signed<? extends IntelSigned> s : c.responses()) {
                if (s.body() instanceof TcbInfo) {
                    tcb.add((Signed<TcbInfo>) s);
                } else {
                    qe.add((Signed<QeIdentity>) s);
                }
            }
        }
        return new IntelCollateral(certificates, crls, tcb, qe);
    }
}
