package dev.veil.attest.nitro;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A stand-in for AWS's Nitro PKI whose keys the tests hold, shaped like AWS's (root, regional, zonal and instance CAs
 * with the same basicConstraints and keyUsage, an end-entity enclave certificate), and a signer of COSE_Sign1
 * attestation documents. The verifier under test gets this root through its package-private constructor.
 */
final class TestNitroPki {
    static final Instant FROM = Instant.parse("2020-01-01T00:00:00Z");
    static final Instant TO = Instant.parse("2040-01-01T00:00:00Z");
    static final Instant AT = Instant.parse("2026-06-01T00:00:00Z");
    static final CBORMapper CBOR = new CBORMapper();

    final KeyPair rootKey = p384();
    final List<KeyPair> caKeys = List.of(p384(), p384(), p384());
    final KeyPair leafKey = p384();
    X509Certificate root = cert("CN=root", "CN=root", rootKey.getPublic(), rootKey.getPrivate(), new BasicConstraints(true),
            KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature);
    /** Regional (pathLen 2), zonal (1) and instance (0) CAs, as in AWS's bundles. */
    List<X509Certificate> intermediates = List.of(
            cert("CN=root", "CN=regional", caKeys.get(0).getPublic(), rootKey.getPrivate(), new BasicConstraints(2), KeyUsage.keyCertSign),
            cert("CN=regional", "CN=zonal", caKeys.get(1).getPublic(), caKeys.get(0).getPrivate(), new BasicConstraints(1), KeyUsage.keyCertSign),
            cert("CN=zonal", "CN=instance", caKeys.get(2).getPublic(), caKeys.get(1).getPrivate(), new BasicConstraints(0), KeyUsage.keyCertSign));
    X509Certificate leaf = cert("CN=instance", "CN=enclave", leafKey.getPublic(), caKeys.get(2).getPrivate(), new BasicConstraints(false),
            KeyUsage.digitalSignature);
    PrivateKey signingKey = leafKey.getPrivate();

    NitroEvidenceVerifier verifier() {
        return new NitroEvidenceVerifier(root);
    }

    /** The payload AWS's NSM would write: every mandatory field, user_data set, the others null. */
    ObjectNode payload() {
        try {
            ObjectNode p = JsonNodeFactory.instance.objectNode();
            p.put("module_id", "i-0123456789abcdef0-enc0123456789abcdef");
            p.put("digest", "SHA384");
            p.put("timestamp", AT.toEpochMilli());
            ObjectNode pcrs = p.putObject("pcrs");
            for (int i = 0; i < 16; i++) {
                pcrs.put(Integer.toString(i), filled(48, i + 1));
            }
            p.put("certificate", leaf.getEncoded());
            ArrayNode bundle = p.putArray("cabundle");
            bundle.add(root.getEncoded());
            for (X509Certificate c : intermediates) {
                bundle.add(c.getEncoded());
            }
            p.putNull("public_key");
            p.put("user_data", filled(64, 0x22));
            p.putNull("nonce");
            return p;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    byte[] document() {
        return document(payload());
    }

    /** COSE_Sign1 [protected {1: -35}, {}, payload, ES384 signature by {@link #signingKey}]. */
    byte[] document(ObjectNode payload) {
        try {
            ObjectNode header = JsonNodeFactory.instance.objectNode();
            header.put("1", -35);
            byte[] prot = CBOR.writeValueAsBytes(header);
            byte[] body = CBOR.writeValueAsBytes(payload);
            NitroDocument unsigned = new NitroDocument(prot, body, new byte[0], -35, "", "", 0, java.util.Map.of(), new byte[0],
                    List.of(), null, null, null);
            Signature s = Signature.getInstance("SHA384withECDSAinP1363Format");
            s.initSign(signingKey);
            s.update(unsigned.sigStructure());
            ArrayNode cose = JsonNodeFactory.instance.arrayNode();
            cose.add(prot).addObject();
            cose.add(body).add(s.sign());
            return CBOR.writeValueAsBytes(cose);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A certificate; {@code keyUsage} 0 for no keyUsage extension, {@code bc} null for no basicConstraints. */
    static X509Certificate cert(String issuer, String subject, PublicKey key, PrivateKey signer, BasicConstraints bc, int keyUsage) {
        try {
            var b = new JcaX509v3CertificateBuilder(new X500Name(issuer), BigInteger.valueOf(subject.hashCode() & 0x7fffffff),
                    Date.from(FROM), Date.from(TO), new X500Name(subject), key);
            if (bc != null) {
                b.addExtension(Extension.basicConstraints, true, bc);
            }
            if (keyUsage != 0) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
            }
            return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA384withECDSA").build(signer)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyPair p384() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp384r1"));
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }
}
