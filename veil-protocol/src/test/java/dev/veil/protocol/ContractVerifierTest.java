package dev.veil.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContractVerifierTest {
    private final Instant now = Instant.now();

    @Test
    void contractSignedByBothVerifiesAndSurvivesJsonRoundTrip() throws Exception {
        SignedContract sc = TestParties.signedContract();
        SignedContract back = Json.parse(Json.canonical(sc), SignedContract.class, "contract");
        ContractVerifier.Verified v = ContractVerifier.verify(back, now);
        assertThat(v.hash()).isEqualTo(sc.contract().hash());
        assertThat(Json.canonical(back)).isEqualTo(Json.canonical(sc));
    }

    @Test
    void unsignedOrHalfSignedContractIsRefused() throws Exception {
        SessionContract c = TestParties.contract(now.plusSeconds(60));
        assertThatThrownBy(() -> ContractVerifier.verify(SignedContract.unsigned(c), now))
                .hasMessageContaining("not signed by the model_provider");
        SignedContract onlyMp = SignedContract.unsigned(c).signedBy(Role.MODEL_PROVIDER, TestParties.MP);
        assertThatThrownBy(() -> ContractVerifier.verify(onlyMp, now)).hasMessageContaining("not signed by the data_provider");
    }

    @Test
    void contractChangedAfterSigningIsRefused() throws Exception {
        SignedContract sc = TestParties.signedContract();
        SessionContract c = sc.contract();
        SessionContract changed = new SessionContract(c.veilContract(), c.sessionId(), c.model(), c.modelProvider(),
                c.dataProvider(), new EnclavePolicy("sim", List.of("ef".repeat(48)), false, true), c.keyWrap(), c.output(),
                c.resultRecipient(), c.expiresAt(), c.limits());
        assertThatThrownBy(() -> ContractVerifier.verify(new SignedContract(changed, sc.signatures()), now))
                .hasMessageContaining("does not verify");
    }

    @Test
    void signatureFromAnIdentityNotInTheContractIsRefused() throws Exception {
        SignedContract sc = TestParties.signedContract();
        Identity outsider = Identity.generate("outsider", KeyWrapSuite.X25519);
        assertThatThrownBy(() -> sc.signedBy(Role.DATA_PROVIDER, outsider)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("is not the contract's data_provider");
        var sigs = new HashMap<>(sc.signatures());
        sigs.put(Role.DATA_PROVIDER.id(), outsider.sign(sc.contract().signingMessage(Role.DATA_PROVIDER)));
        assertThatThrownBy(() -> ContractVerifier.verify(new SignedContract(sc.contract(), sigs), now))
                .hasMessageContaining("does not verify");
    }

    @Test
    void expiredContractIsRefused() throws Exception {
        SignedContract sc = TestParties.signedContract();
        assertThatThrownBy(() -> ContractVerifier.verify(sc, now.plus(Duration.ofHours(2))))
                .hasMessageContaining("contract expired at");
    }

    @Test
    void simWithoutAllowSimulatedIsRefusedEvenWhenSigned() throws Exception {
        SessionContract c = TestParties.contract(now.plusSeconds(600));
        SessionContract noSim = new SessionContract(c.veilContract(), c.sessionId(), c.model(), c.modelProvider(),
                c.dataProvider(), new EnclavePolicy("sim", c.enclave().referenceValues().measurements(), false, false), c.keyWrap(),
                c.output(), c.resultRecipient(), c.expiresAt(), c.limits());
        SignedContract sc = SignedContract.unsigned(noSim).signedBy(Role.MODEL_PROVIDER, TestParties.MP)
                .signedBy(Role.DATA_PROVIDER, TestParties.DP);
        assertThatThrownBy(() -> ContractVerifier.verify(sc, now)).hasMessageContaining("allow_simulated is false");
    }

    @Test
    void resultRecipientMustBeTheDataProvider() throws Exception {
        SessionContract c = TestParties.contract(now.plusSeconds(600));
        SessionContract toMp = new SessionContract(c.veilContract(), c.sessionId(), c.model(), c.modelProvider(),
                c.dataProvider(), c.enclave(), c.keyWrap(), c.output(), TestParties.MP.publicIdentity().fingerprint(), c.expiresAt(), c.limits());
        SignedContract sc = SignedContract.unsigned(toMp).signedBy(Role.MODEL_PROVIDER, TestParties.MP)
                .signedBy(Role.DATA_PROVIDER, TestParties.DP);
        assertThatThrownBy(() -> ContractVerifier.verify(sc, now)).hasMessageContaining("result_recipient");
    }

    @Test
    void theSameIdentityCannotBeBothProviders() throws Exception {
        SessionContract c = TestParties.contract(now.plusSeconds(600));
        SessionContract same = new SessionContract(c.veilContract(), c.sessionId(), c.model(), c.modelProvider(),
                c.modelProvider(), c.enclave(), c.keyWrap(), c.output(), c.modelProvider().fingerprint(), c.expiresAt(), c.limits());
        SignedContract sc = SignedContract.unsigned(same).signedBy(Role.MODEL_PROVIDER, TestParties.MP)
                .signedBy(Role.DATA_PROVIDER, TestParties.MP);
        assertThatThrownBy(() -> ContractVerifier.verify(sc, now)).hasMessageContaining("same identity as both providers");
    }

    @Test
    void unknownFieldsInASignedContractAreRejected() throws Exception {
        String json = new String(Json.canonical(TestParties.signedContract()));
        String extra = json.replaceFirst("\\{\"contract\":\\{", "{\"contract\":{\"note\":\"unsigned extra\",");
        assertThatThrownBy(() -> Json.parse(extra.getBytes(), SignedContract.class, "contract"))
                .hasMessageContaining("contract is not valid");
    }
}
