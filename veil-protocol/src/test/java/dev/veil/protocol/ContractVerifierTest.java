package dev.veil.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import dev.veil.attest.policy.Waivers;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
                c.dataProvider(), new EnclavePolicy(Platform.SIM, List.of("ef".repeat(48)), false, true), c.keyWrap(), c.output(),
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
                c.dataProvider(), new EnclavePolicy(Platform.SIM, c.enclave().referenceValues().measurements(), false, false), c.keyWrap(),
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

    @Test
    void dpIdentityReusingMpSigningKeyIsRefused() throws Exception {
        PublicIdentity mp = TestParties.MP.publicIdentity();
        PublicIdentity dp = TestParties.DP.publicIdentity();
        PublicIdentity dpWithMpSigningKey = new PublicIdentity("data-provider", mp.signingKey(), dp.keyAgreementSuite(), dp.keyAgreementKey());
        SessionContract c = TestParties.contract(now.plusSeconds(600), mp, dpWithMpSigningKey);
        SignedContract sc = new SignedContract(c, Map.of(
                Role.MODEL_PROVIDER.id(), TestParties.MP.sign(c.signingMessage(Role.MODEL_PROVIDER)),
                Role.DATA_PROVIDER.id(), TestParties.MP.sign(c.signingMessage(Role.DATA_PROVIDER))));
        assertThatThrownBy(() -> ContractVerifier.verify(sc, now)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("contract providers share a signing key");
    }

    @Test
    void dpIdentityReusingMpKeyAgreementKeyIsRefused() throws Exception {
        PublicIdentity mp = TestParties.MP.publicIdentity();
        PublicIdentity dp = TestParties.DP.publicIdentity();
        PublicIdentity dpWithMpKem = new PublicIdentity("data-provider", dp.signingKey(), mp.keyAgreementSuite(), mp.keyAgreementKey());
        assertThatThrownBy(() -> ContractVerifier.checkTerms(TestParties.contract(now.plusSeconds(600), mp, dpWithMpKem)))
                .hasMessageContaining("contract providers share a key-agreement key");
    }

    @Test
    void mpReusingTheX25519HalfOfTheDpHybridKeyIsRefused() throws Exception {
        PublicIdentity dp = TestParties.DP.publicIdentity();
        byte[] hybrid = dp.keyAgreementKey();
        for (byte[] half : List.of(Arrays.copyOfRange(hybrid, hybrid.length - 32, hybrid.length), Arrays.copyOfRange(hybrid, 0, 32))) {
            PublicIdentity mp = new PublicIdentity("model-provider", TestParties.MP.publicIdentity().signingKey(), KeyWrapSuite.X25519, half);
            assertThatThrownBy(() -> ContractVerifier.checkTerms(TestParties.contract(now.plusSeconds(600), mp, dp)))
                    .hasMessageContaining("contract providers share a key-agreement key");
        }
    }

    @Test
    void oneSignatureCannotFillBothRoles() throws Exception {
        PublicIdentity mp = TestParties.MP.publicIdentity();
        PublicIdentity dp = TestParties.DP.publicIdentity();
        SessionContract shared = TestParties.contract(now.plusSeconds(600), mp,
                new PublicIdentity("data-provider", mp.signingKey(), dp.keyAgreementSuite(), dp.keyAgreementKey()));
        byte[] one = TestParties.MP.sign(shared.signingMessage(Role.MODEL_PROVIDER));
        assertThatThrownBy(() -> ContractVerifier.verify(new SignedContract(shared,
                Map.of(Role.MODEL_PROVIDER.id(), one, Role.DATA_PROVIDER.id(), one)), now)).isInstanceOf(ProtocolException.class);
        // the role is inside what is signed: even under one key, a signature made as one role is not the other's
        assertThat(shared.party(Role.DATA_PROVIDER).verify(shared.signingMessage(Role.DATA_PROVIDER), one)).isFalse();
        assertThat(shared.party(Role.MODEL_PROVIDER).verify(shared.signingMessage(Role.MODEL_PROVIDER), one)).isTrue();
    }

    @Test
    void mpSignaturePlacedInTheDpSlotDoesNotVerify() throws Exception {
        SignedContract sc = TestParties.signedContract();
        var sigs = new HashMap<>(sc.signatures());
        sigs.put(Role.DATA_PROVIDER.id(), TestParties.DP.sign(sc.contract().signingMessage(Role.MODEL_PROVIDER)));
        assertThatThrownBy(() -> ContractVerifier.verify(new SignedContract(sc.contract(), sigs), now))
                .hasMessageContaining("contract signature of the data_provider").hasMessageContaining("does not verify");
    }

    @Test
    void snpMeasurementOfThirtyTwoBytesIsRefused() throws Exception {
        SessionContract c = TestParties.contract(now.plusSeconds(600));
        SessionContract shortSnp = new SessionContract(c.veilContract(), c.sessionId(), c.model(), c.modelProvider(),
                c.dataProvider(), new EnclavePolicy(Platform.SEV_SNP, List.of("ab".repeat(32)), false, false), c.keyWrap(),
                c.output(), c.resultRecipient(), c.expiresAt(), c.limits());
        assertThatThrownBy(() -> ContractVerifier.checkTerms(shortSnp))
                .hasMessageContaining("measurement 'abababab").hasMessageContaining("has 64 hex digits; a snp measurement (MEASUREMENT) is 48 bytes");
    }

    @Test
    void unknownWaiverNameInAContractIsRefused() throws Exception {
        SessionContract c = TestParties.contract(now.plusSeconds(600));
        ReferenceValues rv = tdxPinningRtmrs().withWaivers(Waivers.none().withMissingCollateral(List.of("amd_crl")));
        assertThatThrownBy(() -> ContractVerifier.checkTerms(withEnclave(c, rv)))
                .hasMessageContaining("waivers.missing_collateral lists 'amd_crl', not a collateral kind of tdx");
    }

    /** MRTD measures only the TD firmware: a contract pinning it alone would accept any OS the host boots on it. */
    @Test
    void tdxContractPinningOnlyTheFirmwareIsRefused() throws Exception {
        SessionContract c = TestParties.contract(now.plusSeconds(600));
        ReferenceValues firmwareOnly = new ReferenceValues(Platform.TDX, List.of("ab".repeat(48)), false, false);
        assertThatThrownBy(() -> ContractVerifier.checkTerms(withEnclave(c, firmwareOnly)))
                .hasMessageContaining("claims rtmr0, rtmr1 and rtmr2 must be pinned on tdx");
        ContractVerifier.checkTerms(withEnclave(c, tdxPinningRtmrs()));
        ContractVerifier.checkTerms(withEnclave(c, firmwareOnly.withWaivers(Waivers.none().withNoTdxRtmrPins(true))));
    }

    private static ReferenceValues tdxPinningRtmrs() {
        return new ReferenceValues(Platform.TDX, List.of("ab".repeat(48)), false, false)
                .withClaims(Map.of("rtmr0", "c0".repeat(48), "rtmr1", "c1".repeat(48), "rtmr2", "c2".repeat(48)));
    }

    private static SessionContract withEnclave(SessionContract c, ReferenceValues rv) {
        return new SessionContract(c.veilContract(), c.sessionId(), c.model(), c.modelProvider(), c.dataProvider(),
                new EnclavePolicy(rv), c.keyWrap(), c.output(), c.resultRecipient(), c.expiresAt(), c.limits());
    }
}
