package dev.veil.attest.nitro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.veil.attest.EvidenceEncoding;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.Vectors;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The size and type limits of AWS's attestation document specification (aws-nitro-enclaves-nsm-api
 * docs/attestation_process.md §2.2, §3.2.2): each is shown refused at parse time on a real AWS document edited to break
 * it (its signature no longer matters: parsing comes first) and, where it is a limit a signer could exceed, on a
 * correctly signed test document.
 */
class NitroFieldLimitsTest {
    private static final CBORMapper CBOR = new CBORMapper();

    /** evervault's production-mode document, with {@code edit} applied to its payload. */
    static byte[] editedReal(Consumer<ObjectNode> edit) {
        try {
            byte[] real = EvidenceEncoding.decode(Vectors.read("nitro/evervault-beta-valid-attestation-doc.bin"));
            ArrayNode cose = (ArrayNode) CBOR.readTree(real);
            ObjectNode payload = (ObjectNode) CBOR.readTree(cose.get(2).binaryValue());
            edit.accept(payload);
            cose.set(2, BinaryNode.valueOf(CBOR.writeValueAsBytes(payload)));
            return CBOR.writeValueAsBytes(cose);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void refusedAtParse(Consumer<ObjectNode> edit, String message) {
        byte[] doc = editedReal(edit);
        assertThatThrownBy(() -> NitroDocument.parse(doc)).hasMessageContaining(message);
    }

    @Test
    void unchangedRealDocumentParsesAfterReencoding() {
        assertThatCode(() -> NitroDocument.parse(editedReal(p -> { }))).doesNotThrowAnyException();
    }

    @Test
    void userDataLongerThan512BytesIsRefused() throws Exception {
        refusedAtParse(p -> p.put("user_data", new byte[513]), "attestation document user_data size is 513 bytes, expected 0..512");
        TestNitroPki pki = new TestNitroPki();
        ObjectNode ok = pki.payload();
        ok.put("user_data", new byte[512]);
        assertThat(pki.verifier().verify(pki.document(ok), VerificationOptions.at(TestNitroPki.AT)).reportData()).hasSize(512);
        ObjectNode big = pki.payload();
        big.put("user_data", new byte[513]);
        assertThatThrownBy(() -> pki.verifier().verify(pki.document(big), VerificationOptions.at(TestNitroPki.AT)))
                .hasMessageContaining("user_data size is 513 bytes");
    }

    @Test
    void nonceLongerThan512BytesIsRefused() {
        refusedAtParse(p -> p.put("nonce", new byte[513]), "attestation document nonce size is 513 bytes, expected 0..512");
    }

    @Test
    void publicKeyEmptyOrLongerThan1024BytesIsRefused() {
        refusedAtParse(p -> p.put("public_key", new byte[0]), "attestation document public_key size is 0 bytes, expected 1..1024");
        refusedAtParse(p -> p.put("public_key", new byte[1025]), "attestation document public_key size is 1025 bytes");
    }

    @Test
    void certificateLongerThan1024BytesIsRefused() {
        refusedAtParse(p -> p.put("certificate", new byte[1025]), "attestation document certificate size is 1025 bytes, expected 1..1024");
        refusedAtParse(p -> p.put("certificate", new byte[0]), "attestation document certificate size is 0 bytes");
    }

    @Test
    void cabundleEntryEmptyOrLongerThan1024BytesIsRefused() {
        refusedAtParse(p -> ((ArrayNode) p.get("cabundle")).set(1, BinaryNode.valueOf(new byte[1025])), "cabundle entry 1 size is 1025 bytes");
        refusedAtParse(p -> ((ArrayNode) p.get("cabundle")).set(2, BinaryNode.valueOf(new byte[0])), "cabundle entry 2 size is 0 bytes");
    }

    @Test
    void emptyCabundleIsRefused() {
        refusedAtParse(p -> p.putArray("cabundle"), "attestation document cabundle is array");
    }

    @Test
    void pcrOfAnotherSizeIsRefused() {
        refusedAtParse(p -> ((ObjectNode) p.get("pcrs")).put("3", new byte[47]), "attestation document PCR3 is 47 bytes");
    }

    @Test
    void pcrIndexOutsideZeroTo31IsRefused() {
        refusedAtParse(p -> ((ObjectNode) p.get("pcrs")).put("32", new byte[48]), "attestation document PCR32");
        refusedAtParse(p -> ((ObjectNode) p.get("pcrs")).put("x", new byte[48]), "attestation document PCR index is x");
    }

    @Test
    void moreThan32PcrsAreRefused() {
        refusedAtParse(p -> {
            ObjectNode pcrs = p.putObject("pcrs");
            for (int i = 0; i < 33; i++) {
                pcrs.put(Integer.toString(i), new byte[48]);
            }
        }, "a map of 1..32 PCRs");
    }

    @Test
    void fieldOutsideTheSpecificationIsRefused() {
        refusedAtParse(p -> p.put("debug", false), "attestation document field is debug");
    }

    @Test
    void digestOtherThanSha384IsRefused() {
        refusedAtParse(p -> p.put("digest", "SHA256"), "attestation document digest is SHA256, expected SHA384");
    }

    @Test
    void timestampMustBeAPositiveInteger() {
        refusedAtParse(p -> p.put("timestamp", 1.6655e12), "attestation document timestamp");
        refusedAtParse(p -> p.put("timestamp", 0), "attestation document timestamp");
        refusedAtParse(p -> p.put("timestamp", "1665600000000"), "attestation document timestamp");
    }

    @Test
    void emptyOrNullModuleIdIsRefused() {
        refusedAtParse(p -> p.put("module_id", ""), "attestation document module_id");
        refusedAtParse(p -> p.putNull("module_id"), "attestation document module_id");
    }

    @Test
    void duplicateKeyInThePayloadIsRefused() throws Exception {
        byte[] real = EvidenceEncoding.decode(Vectors.read("nitro/evervault-beta-valid-attestation-doc.bin"));
        ArrayNode cose = (ArrayNode) CBOR.readTree(real);
        // {"digest": "SHA384", "digest": "SHA256"}: which one a reader keeps is not for the signer to leave open
        byte[] dup = {(byte) 0xA2, 0x66, 'd', 'i', 'g', 'e', 's', 't', 0x66, 'S', 'H', 'A', '3', '8', '4',
                0x66, 'd', 'i', 'g', 'e', 's', 't', 0x66, 'S', 'H', 'A', '2', '5', '6'};
        cose.set(2, BinaryNode.valueOf(dup));
        byte[] doc = CBOR.writeValueAsBytes(cose);
        assertThatThrownBy(() -> NitroDocument.parse(doc)).hasMessageContaining("attestation document payload is not well-formed CBOR");
    }

    @Test
    void trailingBytesAfterTheDocumentAreRefused() {
        byte[] real = EvidenceEncoding.decode(Vectors.read("nitro/evervault-beta-valid-attestation-doc.bin"));
        byte[] longer = java.util.Arrays.copyOf(real, real.length + 1);
        assertThatThrownBy(() -> NitroDocument.parse(longer)).hasMessageContaining("COSE_Sign1 is not well-formed CBOR");
    }

    @Test
    void algorithmOtherThanEs384IsRefused() throws Exception {
        TestNitroPki pki = new TestNitroPki();
        ArrayNode cose = (ArrayNode) CBOR.readTree(pki.document());
        ObjectNode header = CBOR.createObjectNode();
        header.put("1", -7);
        cose.set(0, BinaryNode.valueOf(CBOR.writeValueAsBytes(header)));
        byte[] doc = CBOR.writeValueAsBytes(cose);
        assertThatThrownBy(() -> pki.verifier().verify(doc, VerificationOptions.at(TestNitroPki.AT)))
                .hasMessageContaining("COSE algorithm is -7, expected -35 (ES384)");
    }

    @Test
    void documentWithoutPcr0IsRefused() {
        TestNitroPki pki = new TestNitroPki();
        ObjectNode p = pki.payload();
        ((ObjectNode) p.get("pcrs")).remove("0");
        assertThatThrownBy(() -> pki.verifier().verify(pki.document(p), VerificationOptions.at(TestNitroPki.AT)))
                .hasMessageContaining("attestation document PCR0 is absent");
    }

    @Test
    void leafWithAP256KeyIsRefused() {
        TestNitroPki pki = new TestNitroPki();
        try {
            var g = java.security.KeyPairGenerator.getInstance("EC");
            g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
            var p256 = g.generateKeyPair();
            pki.leaf = TestNitroPki.cert("CN=instance", "CN=enclave", p256.getPublic(), pki.caKeys.get(2).getPrivate(),
                    new org.bouncycastle.asn1.x509.BasicConstraints(false), org.bouncycastle.asn1.x509.KeyUsage.digitalSignature);
            pki.signingKey = p256.getPrivate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        assertThatThrownBy(() -> pki.verifier().verify(pki.document(), VerificationOptions.at(TestNitroPki.AT)))
                .hasMessageContaining("enclave certificate key is EC, expected EC P-384");
    }

    @Test
    void payloadLargerThan16KiBIsRefused() {
        TestNitroPki pki = new TestNitroPki();
        ObjectNode p = pki.payload();
        ArrayNode bundle = p.putArray("cabundle");   // 16 entries at the 1024-byte bound: over 16 KiB with the rest
        for (int i = 0; i < 16; i++) {
            bundle.add(new byte[1024]);
        }
        assertThatThrownBy(() -> NitroDocument.parse(pki.document(p))).hasMessageContaining("COSE payload size is");
    }
}
