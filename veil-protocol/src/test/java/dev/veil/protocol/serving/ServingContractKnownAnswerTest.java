package dev.veil.protocol.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import dev.veil.attest.policy.Waivers;
import dev.veil.protocol.contract.Dim;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.ValueSignature;
import dev.veil.protocol.contract.ValueType;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * Known-answer vectors for the serving contract's canonical JSON, its hash ("veil serving contract v1") and the model
 * provider's signature input ("veil serving contract signature v1"), one listing identities and one for any data
 * provider. The files in src/test/resources/kat/ were produced once by this code (kat/README.md); a refactor that
 * changes the format or a label fails here.
 */
class ServingContractKnownAnswerTest {
    static ServingContract katContract(DataProviderAccess access) {
        PublicIdentity mp = new PublicIdentity("kat model provider", filled(44, 0x11), KeyWrapSuite.X25519, filled(32, 0x22));
        ReferenceValues rv = new ReferenceValues(Platform.TDX, List.of("ab".repeat(48)), false, false,
                Map.of("rtmr1", "cd".repeat(48)), Map.of(), 17, new Waivers(List.of("SWHardeningNeeded"), List.of(), List.of(), false, false));
        ModelSignature signature = new ModelSignature(
                List.of(ValueSignature.tensor("input_ids", ValueType.INT64, Dim.free("batch"), Dim.free("sequence")),
                        ValueSignature.tensor("attention_mask", ValueType.INT64, Dim.free("batch"), Dim.free("sequence"))),
                List.of(ValueSignature.tensor("embeddings", ValueType.FLOAT32, Dim.free("batch"), Dim.fixed(384))));
        return new ServingContract(ServingContract.VERSION, "00112233445566778899aabbccddeeff",
                new ModelTerms("ef".repeat(32), "kat model", signature), mp, new EnclavePolicy(rv), KeyWrapSuite.MLKEM768_X25519,
                OutputPolicy.scores(), access, new ServingBudget(100_000L, 5_000_000L), new ServingLimits(64, 30),
                "2030-01-01T00:00:00Z");
    }

    static DataProviderAccess katIdentities() {
        return DataProviderAccess.only(List.of(
                new PublicIdentity("kat data provider", filled(44, 0x33), KeyWrapSuite.MLKEM768_X25519, filled(1216, 0x44)),
                new PublicIdentity("kat second data provider", filled(44, 0x55), KeyWrapSuite.X25519, filled(32, 0x66))));
    }

    @Test
    void canonicalJsonHashAndSignatureInputMatchTheCommittedVectors() throws Exception {
        Properties expected = new Properties();
        expected.load(new java.io.ByteArrayInputStream(resource("kat/serving-contract-v1.expected.properties")));
        check(katContract(katIdentities()), resource("kat/serving-contract-v1.canonical.json"), expected, "");
        check(katContract(DataProviderAccess.anyDataProvider()), resource("kat/serving-contract-v1-any.canonical.json"), expected, "any_");
    }

    private static void check(ServingContract c, byte[] committed, Properties expected, String prefix) throws Exception {
        assertThat(new String(c.canonicalBytes())).isEqualTo(new String(committed));
        ServingContract parsed = Json.parse(committed, ServingContract.class, "kat serving contract");
        assertThat(parsed.canonicalBytes()).isEqualTo(committed);
        assertThat(Digests.hex(parsed.hash())).isEqualTo(expected.getProperty(prefix + "contract_hash"));
        assertThat(Digests.hex(parsed.signingMessage())).isEqualTo(expected.getProperty(prefix + "model_provider_signing_message"));
        assertThat(parsed.hash()).isEqualTo(Digests.labelled256("veil serving contract v1", committed));
        assertThat(parsed.signingMessage()).isEqualTo(Digests.labelled256("veil serving contract signature v1",
                "model_provider".getBytes(java.nio.charset.StandardCharsets.US_ASCII), parsed.hash()));
    }

    static byte[] resource(String name) throws Exception {
        try (InputStream in = ServingContractKnownAnswerTest.class.getClassLoader().getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }
}
