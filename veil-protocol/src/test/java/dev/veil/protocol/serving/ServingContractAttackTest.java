package dev.veil.protocol.serving;

import static dev.veil.protocol.serving.ServingFixture.DP;
import static dev.veil.protocol.serving.ServingFixture.MP;
import static dev.veil.protocol.serving.ServingFixture.NOW;
import static dev.veil.protocol.serving.ServingFixture.OTHER_DP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veil.protocol.TestParties;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The serving contract as a document anyone can hand the enclave or a data provider. */
class ServingContractAttackTest {
    private static SignedServingContract signed(DataProviderAccess access) throws ProtocolException {
        return SignedServingContract.unsigned(ServingFixture.contract(KeyWrapSuite.X25519, access)).signedBy(MP);
    }

    private static SignedServingContract signed() throws ProtocolException {
        return signed(DataProviderAccess.only(List.of(DP.publicIdentity())));
    }

    private static ObjectNode tree(Object value) throws Exception {
        return (ObjectNode) Json.mapper().readTree(Json.canonical(value));
    }

    private static SignedServingContract parse(ObjectNode tree) throws ProtocolException {
        return SignedServingContract.parse(tree.toString().getBytes(StandardCharsets.UTF_8), "serving contract");
    }

    @Test
    void signedServingContractRoundTripsAndVerifies() throws Exception {
        SignedServingContract s = signed();
        SignedServingContract parsed = SignedServingContract.parse(Json.canonical(s), "serving contract");
        var verified = ServingContractVerifier.verify(parsed, NOW);
        assertThat(verified.hash()).isEqualTo(s.servingContract().hash());
        assertThat(verified.budgetFor(DP.publicIdentity()).rowsPerDay()).isEqualTo(10_000L);
    }

    @Test
    void servingContractPresentedAsBatchContractFails() throws Exception {
        byte[] serving = Json.canonical(signed());
        assertThatThrownBy(() -> ContractVerifier.verify(Json.parse(serving, SignedContract.class, "contract"), NOW))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("a serving contract (key 'serving_contract') is not a batch contract");
        // The inner document, under the batch file's key: its version field is not the batch contract's.
        ObjectNode wrapped = Json.mapper().createObjectNode();
        wrapped.set("contract", tree(signed().servingContract()));
        wrapped.set("signatures", Json.mapper().createObjectNode());
        assertThatThrownBy(() -> Json.parse(wrapped.toString().getBytes(StandardCharsets.UTF_8), SignedContract.class, "contract"))
                .isInstanceOf(ProtocolException.class);
    }

    @Test
    void batchContractPresentedAsServingContractFails() throws Exception {
        SignedContract batch = TestParties.signedContract();
        byte[] json = Json.canonical(batch);
        assertThatThrownBy(() -> SignedServingContract.parse(json, "serving contract"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("a batch contract (key 'contract') is not a serving contract");
        ObjectNode wrapped = Json.mapper().createObjectNode();
        wrapped.set("serving_contract", tree(batch.contract()));
        assertThatThrownBy(() -> parse(wrapped)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void modelProvidersBatchSignatureDoesNotVerifyAServingContract() throws Exception {
        ServingContract c = signed().servingContract();
        // Whatever a model provider signed as a batch contract's model_provider, under another label, is not this signature.
        byte[] batchStyle = dev.veil.protocol.json.Digests.labelled256("veil contract signature v2",
                Role.MODEL_PROVIDER.id().getBytes(StandardCharsets.US_ASCII), c.hash());
        SignedServingContract transplanted = new SignedServingContract(c, MP.sign(batchStyle));
        assertThatThrownBy(() -> ServingContractVerifier.verify(transplanted, NOW)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("does not verify");
        assertThat(c.hash()).isNotEqualTo(dev.veil.protocol.json.Digests.labelled256("veil contract v1", c.canonicalBytes()));
    }

    @Test
    void anyDpMustBeExplicit() throws Exception {
        ObjectNode missingAny = tree(signed());
        ((ObjectNode) missingAny.get("serving_contract").get("data_providers")).remove("any");
        assertThatThrownBy(() -> parse(missingAny)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("data_providers needs 'any' (true or false) and 'identities'");

        ObjectNode missingList = tree(signed(DataProviderAccess.anyDataProvider()));
        ((ObjectNode) missingList.get("serving_contract").get("data_providers")).remove("identities");
        assertThatThrownBy(() -> parse(missingList)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("data_providers needs 'any'");

        // An empty list is nobody, not everybody.
        assertThatThrownBy(() -> ServingContractVerifier.verify(signed(DataProviderAccess.only(List.of())), NOW))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("lists no identity and any is false");
        assertThatThrownBy(() -> ServingContractVerifier.verify(signed(new DataProviderAccess(true, List.of(DP.publicIdentity()))), NOW))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("any is true but identities are listed too");

        ObjectNode quoted = tree(signed(DataProviderAccess.anyDataProvider()));
        ((ObjectNode) quoted.get("serving_contract").get("data_providers")).put("any", "true");
        assertThatThrownBy(() -> parse(quoted)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void budgetFieldsMissingAreRefused() throws Exception {
        for (String field : List.of("rows_per_day", "rows_total")) {
            ObjectNode t = tree(signed());
            ((ObjectNode) t.get("serving_contract").get("budget")).remove(field);
            assertThatThrownBy(() -> parse(t)).as(field).isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("budget needs rows_per_day and rows_total");
        }
        for (String field : List.of("max_rows_per_request", "max_inference_seconds")) {
            ObjectNode t = tree(signed());
            ((ObjectNode) t.get("serving_contract").get("limits")).remove(field);
            assertThatThrownBy(() -> parse(t)).as(field).isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("limits need max_rows_per_request and max_inference_seconds");
        }
        ObjectNode nulled = tree(signed());
        ((ObjectNode) nulled.get("serving_contract").get("budget")).putNull("rows_total");
        assertThatThrownBy(() -> parse(nulled)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void everyTopLevelPartMissingIsRefusedNotACrash() throws Exception {
        ObjectNode full = tree(signed());
        List<String> parts = new java.util.ArrayList<>();
        full.get("serving_contract").fieldNames().forEachRemaining(parts::add);
        assertThat(parts).hasSize(11);
        for (String part : parts) {
            ObjectNode t = full.deepCopy();
            ((ObjectNode) t.get("serving_contract")).remove(part);
            assertThatThrownBy(() -> ServingContractVerifier.verify(parse(t), NOW)).as(part).isInstanceOf(ProtocolException.class);
        }
        ObjectNode noSignature = full.deepCopy();
        noSignature.remove("model_provider_signature");
        assertThatThrownBy(() -> ServingContractVerifier.verify(parse(noSignature), NOW)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("is not signed by its model provider");
    }

    @Test
    void duplicateKeysUnknownVersionsAndTrailingDataAreRefused() throws Exception {
        String json = new String(Json.canonical(signed()), StandardCharsets.UTF_8);
        String duplicated = json.replaceFirst("\\{\"budget\":\\{\"rows_per_day\":10000,",
                "{\"budget\":{\"rows_per_day\":10000,\"rows_per_day\":99999999,");
        assertThat(duplicated).isNotEqualTo(json);
        assertThatThrownBy(() -> SignedServingContract.parse(duplicated.getBytes(StandardCharsets.UTF_8), "c"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("duplicate key");
        assertThatThrownBy(() -> SignedServingContract.parse((json + " {}").getBytes(StandardCharsets.UTF_8), "c"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("trailing data");
        ObjectNode v2 = tree(signed());
        ((ObjectNode) v2.get("serving_contract")).put("veil_serving_contract", 2);
        assertThatThrownBy(() -> ServingContractVerifier.verify(parse(v2), NOW)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("version 2 is not supported");
        ObjectNode extra = tree(signed());
        ((ObjectNode) extra.get("serving_contract").get("budget")).put("rows_per_hour", 5);
        assertThatThrownBy(() -> parse(extra)).isInstanceOf(ProtocolException.class).hasMessageContaining("unknown field 'rows_per_hour'");
    }

    @Test
    void servingContractAlteredAfterSigningIsRefused() throws Exception {
        ObjectNode t = tree(signed());
        ((ObjectNode) t.get("serving_contract").get("budget")).put("rows_per_day", 1_000_000);
        assertThatThrownBy(() -> ServingContractVerifier.verify(parse(t), NOW)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("does not verify");
    }

    @Test
    void servingContractSignedByADataProviderIsRefused() throws Exception {
        ServingContract c = signed().servingContract();
        assertThatThrownBy(() -> SignedServingContract.unsigned(c).signedBy(DP)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("only the model provider signs a serving contract");
        SignedServingContract forged = new SignedServingContract(c, DP.sign(c.signingMessage()));
        assertThatThrownBy(() -> ServingContractVerifier.verify(forged, NOW)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("does not verify");
    }

    @Test
    void expiredServingContractIsRefused() throws Exception {
        assertThatThrownBy(() -> ServingContractVerifier.verify(signed(), NOW.plus(Duration.ofDays(7))))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("serving contract expired");
    }

    @Test
    void incoherentBudgetsAndLimitsAreRefused() throws Exception {
        ServingContract base = ServingFixture.contract(KeyWrapSuite.X25519, DataProviderAccess.only(List.of(DP.publicIdentity())));
        assertThatThrownBy(() -> ServingContractVerifier.checkTerms(withBudget(base, new ServingBudget(0L, 10L), base.limits())))
                .hasMessageContaining("must be at least 1");
        assertThatThrownBy(() -> ServingContractVerifier.checkTerms(withBudget(base, new ServingBudget(100L, 10L), base.limits())))
                .hasMessageContaining("is more than budget.rows_total");
        assertThatThrownBy(() -> ServingContractVerifier.checkTerms(withBudget(base, new ServingBudget(100L, 1000L), new ServingLimits(101, 60))))
                .hasMessageContaining("no such request could ever be answered");
        assertThatThrownBy(() -> ServingContractVerifier.checkTerms(withBudget(base, base.budget(), new ServingLimits(10, 0))))
                .hasMessageContaining("max_inference_seconds must be 1..3600");
    }

    @Test
    void sameDataProviderListedTwiceOrTheModelProviderListedAsOneIsRefused() throws Exception {
        var renamed = new dev.veil.protocol.identity.PublicIdentity("second-name", DP.publicIdentity().signingKey(),
                DP.publicIdentity().keyAgreementSuite(), DP.publicIdentity().keyAgreementKey());
        assertThatThrownBy(() -> ServingContractVerifier.verify(signed(DataProviderAccess.only(List.of(DP.publicIdentity(), renamed))), NOW))
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> ServingContractVerifier.verify(signed(DataProviderAccess.only(List.of(OTHER_DP.publicIdentity(),
                MP.publicIdentity()))), NOW)).hasMessageContaining("model provider's own signing key");
    }

    private static ServingContract withBudget(ServingContract c, ServingBudget budget, ServingLimits limits) {
        return new ServingContract(c.veilServingContract(), c.contractId(), c.model(), c.modelProvider(), c.enclave(), c.keyWrap(),
                c.output(), c.dataProviders(), budget, limits, c.expiresAt());
    }
}
