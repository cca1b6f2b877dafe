package dev.veil.attest.snp;

import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.OptionalInt;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1String;

/**
 * AMD's X.509 extensions on VCEK/VLEK certificates (OID arc 1.3.6.1.4.1.3704.1): product name, the TCB security
 * patch levels the key was derived for, and the chip's hardware id. Values are DER-encoded inside the extension.
 */
final class VcekExtensions {
    static final String PRODUCT_NAME = "1.3.6.1.4.1.3704.1.2";
    static final String BL_SPL = "1.3.6.1.4.1.3704.1.3.1";
    static final String TEE_SPL = "1.3.6.1.4.1.3704.1.3.2";
    static final String SNP_SPL = "1.3.6.1.4.1.3704.1.3.3";
    static final String UCODE_SPL = "1.3.6.1.4.1.3704.1.3.8";
    static final String FMC_SPL = "1.3.6.1.4.1.3704.1.3.9";
    static final String HW_ID = "1.3.6.1.4.1.3704.1.4";

    private VcekExtensions() {
    }

    static String productName(X509Certificate c) {
        ASN1Primitive p = value(c, PRODUCT_NAME);
        return p instanceof ASN1String s ? s.getString() : "";
    }

    static OptionalInt spl(X509Certificate c, String oid) {
        ASN1Primitive p = value(c, oid);
        return p instanceof ASN1Integer i ? OptionalInt.of(i.intValueExact()) : OptionalInt.empty();
    }

    /** The hardware id: a raw 64-byte (8 on Turin) value, or the same wrapped in an OCTET STRING. */
    static byte[] hwId(X509Certificate c) {
        byte[] ext = c.getExtensionValue(HW_ID);
        if (ext == null) {
            return new byte[0];
        }
        byte[] inner = ASN1OctetString.getInstance(ext).getOctets();
        if ((inner.length == 66 || inner.length == 10) && inner[0] == 0x04 && inner[1] == inner.length - 2) {
            return Arrays.copyOfRange(inner, 2, inner.length);
        }
        return inner;
    }

    private static ASN1Primitive value(X509Certificate c, String oid) {
        byte[] ext = c.getExtensionValue(oid);
        if (ext == null) {
            return null;
        }
        try {
            return ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(ext).getOctets());
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }
}
