package dev.veil.protocol.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import dev.veil.attest.policy.Waivers;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.io.IOException;
import java.io.InputStream;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * Known-answer vectors for the contract's canonical JSON, its hash ("veil contract v1") and each role's signature
 * input ("veil contract signature v2"). The files in src/test/resources/kat/ were produced once by this code
 * (see kat/README.md); a refactor that changes the wire format or a label fails here instead of silently.
 */
class ContractKnownAnswerTest {
    /** Every field set, including every waiver kind, so a change to any part of the format shows. */
    static SessionContract katContract() {
        PublicIdentity mp = new PublicIdentity("kat model provider", filled(44, 0x11), KeyWrapSuite.X25519, filled(32, 0x22));
        PublicIdentity dp = new PublicIdentity("kat data provider", filled(44, 0x33), KeyWrapSuite.MLKEM768_X25519, filled(1216, 0x44));
        ReferenceValues rv = new ReferenceValues(Platform.TDX, List.of("ab".repeat(48)), false, false,
                Map.of("rtmr1", "cd".repeat(48)), Map.of(), 17,
                new Waivers(List.of("SWHardeningNeeded"), List.of("INTEL-SA-00615"), List.of("root_ca_crl"), false, false));
        return new SessionContract(SessionContract.VERSION, "00112233445566778899aabbccddeeff",
                new ModelTerms("ef".repeat(32), "kat model", katSignature()), mp, dp, new EnclavePolicy(rv), KeyWrapSuite.MLKEM768_X25519,
                OutputPolicy.topK(3), dp.fingerprint(), "2030-01-01T00:00:00Z", new SessionLimits("12".repeat(32), 1000, 60));
    }

    /** Every kind of dimension (fixed, named free, unnamed free), a tensor of unstated rank, a sequence and a map. */
    static ModelSignature katSignature() {
        return new ModelSignature(
                List.of(ValueSignature.tensor("pixels", ValueType.FLOAT32, Dim.free("batch"), Dim.fixed(3), Dim.unnamed(), Dim.fixed(0)),
                        new ValueSignature("mask", ValueType.BOOL, null)),
                List.of(ValueSignature.tensor("label", ValueType.INT64, Dim.free("batch")),
                        new ValueSignature("probabilities", ValueType.SEQUENCE, null),
                        new ValueSignature("lookup", ValueType.MAP, null)));
    }

    @Test
    void canonicalJsonHashAndSignatureInputsMatchTheCommittedVectors() throws Exception {
        byte[] committed = resource("kat/contract-v3.canonical.json");
        Properties expected = new Properties();
        expected.load(new java.io.ByteArrayInputStream(resource("kat/contract-v3.expected.properties")));

        SessionContract c = katContract();
        assertThat(new String(c.canonicalBytes())).isEqualTo(new String(committed));
        SessionContract parsed = Json.parse(committed, SessionContract.class, "kat contract");
        assertThat(parsed.canonicalBytes()).isEqualTo(committed);
        assertThat(Digests.hex(parsed.hash())).isEqualTo(expected.getProperty("contract_hash"));
        assertThat(Digests.hex(parsed.signingMessage(Role.MODEL_PROVIDER))).isEqualTo(expected.getProperty("model_provider_signing_message"));
        assertThat(Digests.hex(parsed.signingMessage(Role.DATA_PROVIDER))).isEqualTo(expected.getProperty("data_provider_signing_message"));
    }

    /** A waiver added after contracts were signed is written only when set, so their canonical bytes and hashes stay. */
    @Test
    void tdxRtmrWaiverIsWrittenOnlyWhenSet() throws Exception {
        EnclavePolicy kat = katContract().enclave();
        assertThat(new String(Json.canonical(kat))).doesNotContain("no_tdx_rtmr_pins");
        ReferenceValues rv = kat.referenceValues();
        byte[] waived = Json.canonical(new EnclavePolicy(rv.withWaivers(rv.waivers().withNoTdxRtmrPins(true))));
        assertThat(new String(waived)).contains("\"no_snp_min_tcb\":false,\"no_tdx_rtmr_pins\":true,");
        assertThat(Json.parse(waived, EnclavePolicy.class, "enclave").referenceValues().waivers().noTdxRtmrPins()).isTrue();
    }

    @Test
    void versionTwoContractWithoutSignatureIsRefused() throws Exception {
        assertThatThrownBy(() -> Json.parse(resource("kat/contract-v2.canonical.json"), SessionContract.class, "v2 contract"))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("v2 contract is not valid: contract version 2 is not supported (expected 3)");
    }

    @Test
    void signatureInputIsTheLabelledDigestOfRoleAndHash() {
        SessionContract c = katContract();
        byte[] role = "data_provider".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.io.ByteArrayOutputStream m = new java.io.ByteArrayOutputStream();
        m.writeBytes("veil contract signature v2".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        m.write(0);
        m.writeBytes(new byte[] {0, 0, 0, (byte) role.length});
        m.writeBytes(role);
        m.writeBytes(new byte[] {0, 0, 0, 32});
        m.writeBytes(c.hash());
        assertThat(HexFormat.of().formatHex(c.signingMessage(Role.DATA_PROVIDER)))
                .isEqualTo(HexFormat.of().formatHex(Digests.sha256(m.toByteArray())));
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = ContractKnownAnswerTest.class.getClassLoader().getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) v);
        return b;
    }
}
