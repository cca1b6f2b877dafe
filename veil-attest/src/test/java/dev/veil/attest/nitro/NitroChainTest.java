package dev.veil.attest.nitro;

import static dev.veil.attest.nitro.TestNitroPki.AT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Claims;
import dev.veil.attest.VerificationOptions;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;

/**
 * basicConstraints, keyUsage and path lengths on the Nitro chain, on a test PKI shaped like AWS's: each test breaks
 * one property of an otherwise genuine, correctly signed document.
 */
class NitroChainTest {
    private final TestNitroPki pki = new TestNitroPki();

    private Claims verify() throws Exception {
        return pki.verifier().verify(pki.document(), VerificationOptions.at(AT));
    }

    @Test
    void genuineTestDocumentVerifies() throws Exception {
        Claims c = verify();
        assertThat(c.byName()).containsEntry("collateral_missing", "").containsEntry("digest", "SHA384");
    }

    @Test
    void leafCertificateCannotActAsAnIntermediate() {
        // the enclave's own end-entity key issues a "leaf" for a key the attacker chose, and signs the document with it
        var attackerKey = TestNitroPki.p384();
        var forgedLeaf = TestNitroPki.cert("CN=enclave", "CN=forged", attackerKey.getPublic(), pki.leafKey.getPrivate(),
                new BasicConstraints(false), KeyUsage.digitalSignature);
        List<java.security.cert.X509Certificate> chain = new ArrayList<>(pki.intermediates);
        chain.add(pki.leaf);
        pki.intermediates = chain;
        pki.leaf = forgedLeaf;
        pki.signingKey = attackerKey.getPrivate();
        assertThatThrownBy(this::verify).hasMessageContaining("cabundle[4] certificate basicConstraints is not a CA");
    }

    @Test
    void intermediateWithoutKeyCertSignCannotIssue() {
        pki.intermediates = List.of(pki.intermediates.get(0), pki.intermediates.get(1),
                TestNitroPki.cert("CN=zonal", "CN=instance", pki.caKeys.get(2).getPublic(), pki.caKeys.get(1).getPrivate(),
                        new BasicConstraints(0), KeyUsage.digitalSignature));
        assertThatThrownBy(this::verify).hasMessageContaining("cabundle[3] certificate keyUsage is without keyCertSign");
    }

    @Test
    void caCertificateCannotBeTheDocumentSigner() {
        pki.leaf = TestNitroPki.cert("CN=instance", "CN=enclave", pki.leafKey.getPublic(), pki.caKeys.get(2).getPrivate(),
                new BasicConstraints(true), KeyUsage.digitalSignature | KeyUsage.keyCertSign);
        assertThatThrownBy(this::verify).hasMessageContaining("path length constraint");
    }

    @Test
    void caLeafIsRefusedEvenWhereNoPathLengthForbidsIt() {
        pki.intermediates = List.of(pki.intermediates.get(0), pki.intermediates.get(1),
                TestNitroPki.cert("CN=zonal", "CN=instance", pki.caKeys.get(2).getPublic(), pki.caKeys.get(1).getPrivate(),
                        new BasicConstraints(true), KeyUsage.keyCertSign));
        pki.leaf = TestNitroPki.cert("CN=instance", "CN=enclave", pki.leafKey.getPublic(), pki.caKeys.get(2).getPrivate(),
                new BasicConstraints(true), KeyUsage.digitalSignature | KeyUsage.keyCertSign);
        assertThatThrownBy(this::verify).hasMessageContaining("enclave (leaf) certificate basicConstraints is cA=TRUE");
    }

    @Test
    void endEntityAssertingKeyCertSignIsRefused() {
        pki.leaf = TestNitroPki.cert("CN=instance", "CN=enclave", pki.leafKey.getPublic(), pki.caKeys.get(2).getPrivate(),
                new BasicConstraints(false), KeyUsage.digitalSignature | KeyUsage.keyCertSign);
        assertThatThrownBy(this::verify).hasMessageContaining("enclave (leaf) certificate keyUsage is keyCertSign on an end-entity certificate");
    }

    @Test
    void leafWithoutKeyUsageIsRefused() {
        pki.leaf = TestNitroPki.cert("CN=instance", "CN=enclave", pki.leafKey.getPublic(), pki.caKeys.get(2).getPrivate(),
                new BasicConstraints(false), 0);
        assertThatThrownBy(this::verify).hasMessageContaining("enclave (leaf) certificate keyUsage is absent");
    }

    @Test
    void leafWithoutDigitalSignatureIsRefused() {
        pki.leaf = TestNitroPki.cert("CN=instance", "CN=enclave", pki.leafKey.getPublic(), pki.caKeys.get(2).getPrivate(),
                new BasicConstraints(false), KeyUsage.keyEncipherment);
        assertThatThrownBy(this::verify).hasMessageContaining("enclave (leaf) certificate keyUsage is without digitalSignature");
    }

    @Test
    void chainLongerThanTheRootsPathLengthIsRefused() {
        pki.root = TestNitroPki.cert("CN=root", "CN=root", pki.rootKey.getPublic(), pki.rootKey.getPrivate(), new BasicConstraints(1),
                KeyUsage.keyCertSign);
        pki.intermediates = List.of(
                TestNitroPki.cert("CN=root", "CN=regional", pki.caKeys.get(0).getPublic(), pki.rootKey.getPrivate(), new BasicConstraints(true), KeyUsage.keyCertSign),
                TestNitroPki.cert("CN=regional", "CN=zonal", pki.caKeys.get(1).getPublic(), pki.caKeys.get(0).getPrivate(), new BasicConstraints(true), KeyUsage.keyCertSign),
                pki.intermediates.get(2));
        assertThatThrownBy(this::verify).hasMessageContaining("AWS Nitro root certificate path length constraint is 1, expected at least 3");
    }

    @Test
    void rootThatIsNotACaIsRefused() {
        pki.root = TestNitroPki.cert("CN=root", "CN=root", pki.rootKey.getPublic(), pki.rootKey.getPrivate(), null, KeyUsage.keyCertSign);
        assertThatThrownBy(this::verify).hasMessageContaining("AWS Nitro root (self-signed) certificate basicConstraints is not a CA");
    }
}
