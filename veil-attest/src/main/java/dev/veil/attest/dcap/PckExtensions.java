package dev.veil.attest.dcap;

import dev.veil.attest.AttestationException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;

/**
 * The SGX extension of a PCK certificate (OID 1.2.840.113741.1.13.1): the platform's TCB (16 component SVNs, PCE SVN,
 * CPUSVN), PCE-ID and FMSPC, which select and are compared with the TCB Info collateral.
 */
public record PckExtensions(int[] componentSvns, int pceSvn, byte[] cpuSvn, String pceId, String fmspc) {
    static final String SGX_EXTENSION = "1.2.840.113741.1.13.1";

    public static PckExtensions of(X509Certificate pck) throws AttestationException {
        byte[] ext = pck.getExtensionValue(SGX_EXTENSION);
        if (ext == null) {
            throw new AttestationException("PCK certificate SGX extension", "absent", SGX_EXTENSION);
        }
        try {
            ASN1Sequence seq = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(ext).getOctets()));
            int[] comps = new int[16];
            int pceSvn = -1;
            byte[] cpuSvn = null;
            String pceId = null;
            String fmspc = null;
            for (ASN1Encodable e : seq) {
                ASN1Sequence item = ASN1Sequence.getInstance(e);
                String oid = ASN1ObjectIdentifier.getInstance(item.getObjectAt(0)).getId();
                ASN1Encodable value = item.getObjectAt(1);
                switch (oid.substring(SGX_EXTENSION.length())) {
                    case ".2" -> {
                        for (ASN1Encodable t : ASN1Sequence.getInstance(value)) {
                            ASN1Sequence c = ASN1Sequence.getInstance(t);
                            String cOid = ASN1ObjectIdentifier.getInstance(c.getObjectAt(0)).getId();
                            int idx = Integer.parseInt(cOid.substring(cOid.lastIndexOf('.') + 1));
                            if (idx >= 1 && idx <= 16) {
                                comps[idx - 1] = ASN1Integer.getInstance(c.getObjectAt(1)).intValueExact();
                            } else if (idx == 17) {
                                pceSvn = ASN1Integer.getInstance(c.getObjectAt(1)).intValueExact();
                            } else if (idx == 18) {
                                cpuSvn = ASN1OctetString.getInstance(c.getObjectAt(1)).getOctets();
                            }
                        }
                    }
                    case ".3" -> pceId = HexFormat.of().formatHex(ASN1OctetString.getInstance(value).getOctets());
                    case ".4" -> fmspc = HexFormat.of().formatHex(ASN1OctetString.getInstance(value).getOctets());
                    default -> { }
                }
            }
            if (pceSvn < 0 || cpuSvn == null || fmspc == null || pceId == null) {
                throw new AttestationException("PCK certificate SGX extension", "incomplete", "TCB, PCE-ID and FMSPC");
            }
            return new PckExtensions(comps, pceSvn, cpuSvn, pceId, fmspc);
        } catch (java.io.IOException | RuntimeException e) {
            throw new AttestationException("PCK certificate SGX extension", "malformed", "DER per Intel's PCK certificate profile");
        }
    }
}
