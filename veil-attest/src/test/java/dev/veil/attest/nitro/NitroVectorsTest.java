package dev.veil.attest.nitro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.EvidenceEncoding;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.Vectors;
import dev.veil.attest.claims.NitroClaims;
import dev.veil.attest.claims.PlatformClaims;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The Nitro attestation documents in testdata/vectors, at times inside their 3-hour certificate windows. */
class NitroVectorsTest {
    private final NitroEvidenceVerifier verifier = new NitroEvidenceVerifier();

    record Doc(String file, Instant at, String moduleId, String pcr0Prefix, boolean debug) {
        byte[] bytes() {
            return EvidenceEncoding.decode(Vectors.read("nitro/" + file));
        }
    }

    static Stream<Doc> docs() {
        return Stream.of(
                new Doc("eternis-example_attestation.b64", Instant.parse("2024-09-09T20:00:00Z"), "i-0bbf1bfe232b8c2ce-enc0191ba35c9d1b77a", "000000000000000000000000", true),
                new Doc("evervault-beta-debug-mode-attestation-doc.bin", Instant.parse("2022-10-12T14:00:00Z"), "i-03ad7cdb817437eeb-enc0183cc7569b3f6e1", "000000000000000000000000", true),
                new Doc("evervault-beta-valid-attestation-doc.bin", Instant.parse("2022-10-13T09:00:00Z"), "i-020b6af9246d90e92-enc0183d09086c24190", "f4d48b81a460c9916d1e6851", false),
                new Doc("evervault-valid-attestation-doc-base64", Instant.parse("2023-09-18T15:10:00Z"), "i-0918f6c55e3b61d89-enc018aa8b8e2285d13", "000000000000000000000000", true));
    }

    @ParameterizedTest
    @MethodSource("docs")
    void verifiesWithTheExpectedClaims(Doc d) throws Exception {
        Claims c = verifier.verify(d.bytes(), VerificationOptions.at(d.at()));
        assertThat(c.platform()).isEqualTo(Platform.NITRO);
        assertThat(c.byName()).containsEntry("module_id", d.moduleId());
        assertThat(PlatformClaims.names(Platform.NITRO)).as("every Nitro claim can be pinned").containsAll(c.byName().keySet());
        assertThat(((NitroClaims) c.platformClaims()).document().moduleId()).isEqualTo(d.moduleId());
        assertThat(c.measurementHex()).startsWith(d.pcr0Prefix()).hasSize(96);
        assertThat(c.debug()).isEqualTo(d.debug());
    }

    @Test
    void negativeVectorWithABadCoseSignatureIsRefused() {
        byte[] bad = EvidenceEncoding.decode(Vectors.read("nitro/eternis-invalid_attestation.b64"));
        assertThatThrownBy(() -> verifier.verify(bad, VerificationOptions.at(Instant.parse("2024-07-23T21:30:00Z"))))
                .isInstanceOf(AttestationException.class).hasMessageContaining("COSE_Sign1 signature is invalid");
    }

    @ParameterizedTest
    @MethodSource("docs")
    void flippedBytesAnywhereAreRefused(Doc d) {
        byte[] good = d.bytes();
        for (int i = 0; i < good.length; i += 17) {
            byte[] t = good.clone();
            t[i] ^= 0x01;
            assertThatThrownBy(() -> verifier.verify(t, VerificationOptions.at(d.at()))).as("flip at %d", i)
                    .isInstanceOf(AttestationException.class);
        }
    }

    @Test
    void expiredChainIsRefusedAtTodaysDate() {
        Doc d = docs().toList().get(2);
        assertThatThrownBy(() -> verifier.verify(d.bytes(), VerificationOptions.at(Instant.parse("2026-06-01T00:00:00Z"))))
                .hasMessageContaining("validity");
    }

    @Test
    void bundleRootedElsewhereIsRefused() throws Exception {
        Doc d = docs().toList().get(2);
        CBORMapper cbor = new CBORMapper();
        ArrayNode cose = (ArrayNode) cbor.readTree(d.bytes());
        ObjectNode payload = (ObjectNode) cbor.readTree(cose.get(2).binaryValue());
        // a real root of another vendor that fits AWS's 1024-byte bound (AMD's ARK does not: see the size tests)
        byte[] otherRoot = CertificateFactory.getInstance("X.509").generateCertificates(
                new java.io.ByteArrayInputStream(Vectors.read("roots/intel-sgx-root-ca.pem"))).iterator().next().getEncoded();
        ((ArrayNode) payload.get("cabundle")).set(0, BinaryNode.valueOf(otherRoot));
        cose.set(2, BinaryNode.valueOf(cbor.writeValueAsBytes(payload)));
        byte[] forged = cbor.writeValueAsBytes(cose);
        assertThatThrownBy(() -> verifier.verify(forged, VerificationOptions.at(d.at())))
                .hasMessageContaining("cabundle root").hasMessageContaining("pinned AWS Nitro root G1");
    }

    @Test
    void evervaultDocumentBindsTheTlsKeyInUserData() throws Exception {
        Doc d = docs().toList().get(3);
        Claims c = verifier.verify(d.bytes(), VerificationOptions.at(d.at()));
        X509Certificate tls = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                new java.io.ByteArrayInputStream(Vectors.read("nitro/evervault-valid-certificate.der")));
        assertThat(c.reportData()).isEqualTo(tls.getPublicKey().getEncoded());
    }

    @Test
    void truncatedAndGarbageDocumentsAreRefused() {
        byte[] good = docs().toList().get(0).bytes();
        for (int len : new int[] {0, 1, 10, good.length / 2, good.length - 1}) {
            assertThatThrownBy(() -> verifier.verify(java.util.Arrays.copyOf(good, len), VerificationOptions.now()))
                    .isInstanceOf(AttestationException.class);
        }
    }
}
