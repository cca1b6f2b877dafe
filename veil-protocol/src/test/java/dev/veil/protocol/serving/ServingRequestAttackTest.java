package dev.veil.protocol.serving;

import static dev.veil.protocol.serving.ServingFixture.DP;
import static dev.veil.protocol.serving.ServingFixture.INPUTS;
import static dev.veil.protocol.serving.ServingFixture.NOW;
import static dev.veil.protocol.serving.ServingFixture.OTHER_DP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.protocol.serving.ServingFixture.Instance;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Requests and responses under attack: each test names what an attacker tries, and fails without the check. */
class ServingRequestAttackTest {
    private static final Instance INSTANCE = Instance.generate(KeyWrapSuite.X25519);

    private static ServingGateway gateway(ServingContractVerifier.Verified contract, Instance instance) {
        return new ServingGateway(contract, instance.keys(), instance.keyWrap(), ReplayGuard.withDefaults());
    }

    private static RequestRefused refusal(ServingGateway gateway, byte[] request) {
        try {
            gateway.open(request, NOW);
        } catch (RequestRefused r) {
            return r;
        }
        throw new AssertionError("request was admitted");
    }

    @ParameterizedTest
    @EnumSource(KeyWrapSuite.class)
    void honestRequestIsAnsweredAndOnlyItsDataProviderReadsTheAnswer(KeyWrapSuite suite) throws Exception {
        var contract = ServingFixture.verified(suite);
        Instance instance = Instance.generate(suite);
        SealedRequest sealed = ServingClient.seal(contract, instance.keys(), DP, 3, INPUTS, NOW);
        OpenedRequest opened = gateway(contract, instance).open(sealed.encapsulated(), NOW);
        assertThat(opened.inputs()).isEqualTo(INPUTS);
        assertThat(opened.request().rows()).isEqualTo(3);
        assertThat(opened.dataProvider().sameKeysAs(DP.publicIdentity())).isTrue();
        assertThat(opened.budget()).isEqualTo(contract.contract().budget());

        ServingResponse response = sealed.openResponse(opened.sealOk(new byte[] {1, 2, 3}, new byte[] {9}));
        assertThat(response.isOk()).isTrue();
        assertThat(response.requestId()).isEqualTo(sealed.requestId());
        assertThat(response.output()).containsExactly(1, 2, 3);
        assertThat(response.receipt()).containsExactly(9);
    }

    @Test
    void requestForAnotherInstanceFails() throws Exception {
        var contract = ServingFixture.verified(KeyWrapSuite.X25519);
        Instance other = Instance.generate(KeyWrapSuite.X25519);
        SealedRequest sealed = ServingClient.seal(contract, INSTANCE.keys(), DP, 1, INPUTS, NOW);
        RequestRefused r = refusal(gateway(contract, other), sealed.encapsulated());
        assertThat(r.code()).isEqualTo(FailureCode.PEER_PROTOCOL_ERROR);
        assertThat(r.sealedResponse()).isEmpty();

        // The plaintext, made for INSTANCE, re-encapsulated to the other instance: the signature binds the instance keys.
        byte[] hash = contract.hash();
        ServingRequest header = ServingFixture.header(hash, DP, "11".repeat(16), NOW, 1);
        byte[] moved = ServingFixture.encapsulate(other.keys(), hash,
                enc -> ServingFixture.plaintext(hash, header, DP, INSTANCE.keys(), enc, INPUTS));
        RequestRefused moves = refusal(gateway(contract, other), moved);
        assertThat(moves.code()).isEqualTo(FailureCode.CONTRACT_REFUSED);
        assertThat(moves.getMessage()).contains("signature", "does not verify");
        assertThat(moves.sealedResponse()).isPresent();
    }

    @Test
    void requestReplayedIsRefused() throws Exception {
        var contract = ServingFixture.verified(KeyWrapSuite.X25519);
        ServingGateway gateway = gateway(contract, INSTANCE);
        SealedRequest sealed = ServingClient.seal(contract, INSTANCE.keys(), DP, 1, INPUTS, NOW);
        gateway.open(sealed.encapsulated(), NOW);
        RequestRefused again = refusal(gateway, sealed.encapsulated());
        assertThat(again.getMessage()).contains("was answered before");
        ServingResponse told = sealed.openResponse(again.sealedResponse().orElseThrow());
        assertThat(told.failure()).isEqualTo(FailureCode.PEER_PROTOCOL_ERROR);
        assertThat(told.detail()).contains("was answered before");
    }

    @Test
    void requestReplayedUnderAnotherEncapsulationIsRefused() throws Exception {
        var contract = ServingFixture.verified(KeyWrapSuite.X25519);
        byte[] hash = contract.hash();
        ServingRequest header = ServingFixture.header(hash, DP, "22".repeat(16), NOW, 1);
        byte[][] firstEnc = new byte[1][];
        byte[] first = ServingFixture.encapsulate(INSTANCE.keys(), hash, enc -> {
            firstEnc[0] = enc;
            return ServingFixture.plaintext(hash, header, DP, INSTANCE.keys(), enc, INPUTS);
        });
        gateway(contract, INSTANCE).open(first, NOW);
        // Same signed plaintext in a fresh encapsulation, to an enclave whose replay guard never saw it (restarted
        // with the same keys, or a replica): the signature binds the first enc.
        byte[] second = ServingFixture.encapsulate(INSTANCE.keys(), hash,
                enc -> ServingFixture.plaintext(hash, header, DP, INSTANCE.keys(), firstEnc[0], INPUTS));
        assertThat(refusal(gateway(contract, INSTANCE), second).getMessage()).contains("does not verify");
    }

    @Test
    void requestAlteredIsRefusedWhereverABitFlips() throws Exception {
        var contract = ServingFixture.verified(KeyWrapSuite.X25519);
        ServingGateway gateway = gateway(contract, INSTANCE);
        byte[] request = ServingClient.seal(contract, INSTANCE.keys(), DP, 1, INPUTS, NOW).encapsulated();
        for (int bit = 0; bit < request.length * 8; bit++) {
            byte[] flipped = request.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            RequestRefused r = refusal(gateway, flipped);
            assertThat(r.code()).as("bit %d", bit).isEqualTo(FailureCode.PEER_PROTOCOL_ERROR);
        }
        assertThat(refusal(gateway, java.util.Arrays.copyOf(request, request.length - 1)).code()).isEqualTo(FailureCode.PEER_PROTOCOL_ERROR);
        assertThat(refusal(gateway, java.util.Arrays.copyOf(request, request.length + 1)).code()).isEqualTo(FailureCode.PEER_PROTOCOL_ERROR);
        assertThat(refusal(gateway, new byte[0]).code()).isEqualTo(FailureCode.PEER_PROTOCOL_ERROR);
        gateway.open(request, NOW);
    }

    @Test
    void requestAlteredBeforeEncapsulationIsRefusedBySignature() throws Exception {
        var contract = ServingFixture.verified(KeyWrapSuite.X25519);
        byte[] hash = contract.hash();
        ServingRequest signedHeader = ServingFixture.header(hash, DP, "33".repeat(16), NOW, 1);
        ServingRequest moreRows = ServingFixture.header(hash, DP, "33".repeat(16), NOW, 200);
        // Signed for one header and inputs, then carrying another: a host that learnt the plaintext cannot re-use the signature.
        byte[] rowsChanged = ServingFixture.encapsulate(INSTANCE.keys(), hash, enc -> {
            byte[] good = ServingFixture.plaintext(hash, signedHeader, DP, INSTANCE.keys(), enc, INPUTS);
            byte[] sig = java.util.Arrays.copyOfRange(good, good.length - 64, good.length);
            return RequestMessage.encode(dev.veil.protocol.json.Json.canonical(moreRows), INPUTS, sig);
        });
        byte[] inputsChanged = ServingFixture.encapsulate(INSTANCE.keys(), hash, enc -> {
            byte[] good = ServingFixture.plaintext(hash, signedHeader, DP, INSTANCE.keys(), enc, INPUTS);
            byte[] sig = java.util.Arrays.copyOfRange(good, good.length - 64, good.length);
            return RequestMessage.encode(dev.veil.protocol.json.Json.canonical(signedHeader), "other inputs".getBytes(), sig);
        });
        for (byte[] altered : List.of(rowsChanged, inputsChanged)) {
            assertThat(refusal(gateway(contract, INSTANCE), altered).getMessage()).contains("does not verify");
        }
    }

    @Test
    void responseOpenedByAnotherRequestContextFails() throws Exception {
        var contract = ServingFixture.verified(KeyWrapSuite.X25519);
        ServingGateway gateway = gateway(contract, INSTANCE);
        SealedRequest mine = ServingClient.seal(contract, INSTANCE.keys(), DP, 1, INPUTS, NOW);
        SealedRequest another = ServingClient.seal(contract, INSTANCE.keys(), DP, 1, INPUTS, NOW);
        byte[] answer = gateway.open(mine.encapsulated(), NOW).sealOk(new byte[] {7}, new byte[0]);
        assertThatThrownBy(() -> another.openResponse(answer)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("does not open with this request's keys");
        assertThat(mine.openResponse(answer).output()).containsExactly(7);
        byte[] flipped = answer.clone();
        flipped[flipped.length - 1] ^= 1;
        assertThatThrownBy(() -> mine.openResponse(flipped)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void requestSignedByAnotherDpFails() throws Exception {
        var contract = ServingFixture.verified(KeyWrapSuite.X25519,
                DataProviderAccess.only(List.of(DP.publicIdentity(), OTHER_DP.publicIdentity())));
        byte[] hash = contract.hash();
        // OTHER_DP claims to be DP (to spend DP's budget), signing with its own key.
        ServingRequest asDp = ServingFixture.header(hash, DP, "44".repeat(16), NOW, 1);
        byte[] request = ServingFixture.encapsulate(INSTANCE.keys(), hash,
                enc -> ServingFixture.plaintext(hash, asDp, OTHER_DP, INSTANCE.keys(), enc, INPUTS));
        RequestRefused r = refusal(gateway(contract, INSTANCE), request);
        assertThat(r.code()).isEqualTo(FailureCode.CONTRACT_REFUSED);
        assertThat(r.getMessage()).contains("signature of data provider " + DP.publicIdentity().fingerprint());
    }

    @Test
    void dpNotInContractIsRefused() throws Exception {
        var contract = ServingFixture.verified(KeyWrapSuite.X25519);
        assertThatThrownBy(() -> ServingClient.seal(contract, INSTANCE.keys(), OTHER_DP, 1, INPUTS, NOW))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("is not one the serving contract lets query");
        byte[] hash = contract.hash();
        ServingRequest header = ServingFixture.header(hash, OTHER_DP, "55".repeat(16), NOW, 1);
        byte[] request = ServingFixture.encapsulate(INSTANCE.keys(), hash,
                enc -> ServingFixture.plaintext(hash, header, OTHER_DP, INSTANCE.keys(), enc, INPUTS));
        RequestRefused r = refusal(gateway(contract, INSTANCE), request);
        assertThat(r.code()).isEqualTo(FailureCode.CONTRACT_REFUSED);
        assertThat(r.getMessage()).contains(OTHER_DP.publicIdentity().fingerprint(), "is not one the serving contract lets query");
    }

    @Test
    void dpWithTheListedSigningKeyButAnotherKeyAgreementKeyIsRefused() throws Exception {
        var contract = ServingFixture.verified(KeyWrapSuite.X25519);
        byte[] hash = contract.hash();
        var impostor = new dev.veil.protocol.identity.PublicIdentity("data-provider", DP.publicIdentity().signingKey(),
                KeyWrapSuite.X25519, OTHER_DP.publicIdentity().keyAgreementKey());
        assertThatThrownBy(() -> contract.budgetFor(impostor)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void anyDataProviderContractAdmitsAnIdentityItNeverListed() throws Exception {
        var contract = ServingFixture.verified(KeyWrapSuite.X25519, DataProviderAccess.anyDataProvider());
        SealedRequest sealed = ServingClient.seal(contract, INSTANCE.keys(), OTHER_DP, 1, INPUTS, NOW);
        assertThat(gateway(contract, INSTANCE).open(sealed.encapsulated(), NOW).dataProvider().sameKeysAs(OTHER_DP.publicIdentity())).isTrue();
    }

    @Test
    void requestForAnotherContractFails() throws Exception {
        var contract = ServingFixture.verified(KeyWrapSuite.X25519);
        var other = ServingFixture.verified(KeyWrapSuite.X25519);
        SealedRequest sealed = ServingClient.seal(other, INSTANCE.keys(), DP, 1, INPUTS, NOW);
        RequestRefused r = refusal(gateway(contract, INSTANCE), sealed.encapsulated());
        assertThat(r.sealedResponse()).isEmpty();

        // Sealed under this contract's info but naming the other contract inside: refused by the header check.
        byte[] hash = contract.hash();
        ServingRequest header = ServingFixture.header(other.hash(), DP, "66".repeat(16), NOW, 1);
        byte[] request = ServingFixture.encapsulate(INSTANCE.keys(), hash,
                enc -> ServingFixture.plaintext(hash, header, DP, INSTANCE.keys(), enc, INPUTS));
        assertThat(refusal(gateway(contract, INSTANCE), request).getMessage()).contains("names serving contract " + other.hashHex());
    }

    @Test
    void requestOverTheRowsPerRequestLimitIsRefused() throws Exception {
        var contract = ServingFixture.verified(KeyWrapSuite.X25519);
        assertThatThrownBy(() -> ServingClient.seal(contract, INSTANCE.keys(), DP, 257, INPUTS, NOW))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("1..256 rows", "split the input");
        // A client that does not check: the enclave refuses, and tells it alone why.
        byte[] hash = contract.hash();
        ServingRequest header = ServingFixture.header(hash, DP, "77".repeat(16), NOW, 257);
        byte[][] encOf = new byte[1][];
        byte[] request = ServingFixture.encapsulate(INSTANCE.keys(), hash, enc -> {
            encOf[0] = enc;
            return ServingFixture.plaintext(hash, header, DP, INSTANCE.keys(), enc, INPUTS);
        });
        RequestRefused r = refusal(gateway(contract, INSTANCE), request);
        assertThat(r.code()).isEqualTo(FailureCode.LIMIT_EXCEEDED);
        assertThat(r.getMessage()).contains("at most 256 per request");
        assertThat(r.sealedResponse()).isPresent();
    }

    @Test
    void requestCreatedOutsideTheReplayWindowIsRefused() throws Exception {
        var contract = ServingFixture.verified(KeyWrapSuite.X25519);
        for (Duration skew : List.of(Duration.ofMinutes(6), Duration.ofMinutes(-6))) {
            SealedRequest sealed = ServingClient.seal(contract, INSTANCE.keys(), DP, 1, INPUTS, NOW.plus(skew));
            assertThat(refusal(gateway(contract, INSTANCE), sealed.encapsulated()).getMessage()).contains("from the enclave's clock");
        }
    }

    @Test
    void requestAfterTheContractExpiredIsRefused() throws Exception {
        var contract = ServingFixture.verified(KeyWrapSuite.X25519);
        java.time.Instant late = NOW.plus(Duration.ofDays(8));
        SealedRequest sealed = ServingClient.seal(contract, INSTANCE.keys(), DP, 1, INPUTS, late);
        assertThatThrownBy(() -> gateway(contract, INSTANCE).open(sealed.encapsulated(), late))
                .isInstanceOf(RequestRefused.class).hasMessageContaining("serving contract expired");
    }

    @Test
    void failureDetailTravelsSealedToTheRequesterOnly() throws Exception {
        var contract = ServingFixture.verified(KeyWrapSuite.X25519);
        SealedRequest sealed = ServingClient.seal(contract, INSTANCE.keys(), DP, 1, INPUTS, NOW);
        SealedRequest bystander = ServingClient.seal(contract, INSTANCE.keys(), DP, 1, INPUTS, NOW);
        OpenedRequest opened = gateway(contract, INSTANCE).open(sealed.encapsulated(), NOW);
        byte[] failure = opened.sealFailure(FailureCode.INFERENCE_FAILED, "the model failed on your input 'x' of shape [1, 2]");
        ServingResponse read = sealed.openResponse(failure);
        assertThat(read.failure()).isEqualTo(FailureCode.INFERENCE_FAILED);
        assertThat(read.detail()).contains("of shape [1, 2]");
        assertThat(read.output()).isEmpty();
        assertThat(new String(failure, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("shape");
        assertThatThrownBy(() -> bystander.openResponse(failure)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void gatewayRefusesAKeyPairThatIsNotTheInstancesPublishedKey() throws Exception {
        var contract = ServingFixture.verified(KeyWrapSuite.X25519);
        Instance other = Instance.generate(KeyWrapSuite.X25519);
        assertThatThrownBy(() -> new ServingGateway(contract, INSTANCE.keys(), other.keyWrap(), ReplayGuard.withDefaults()))
                .isInstanceOf(IllegalArgumentException.class);
        Instance hybrid = Instance.generate(KeyWrapSuite.MLKEM768_X25519);
        assertThatThrownBy(() -> ServingClient.seal(contract, hybrid.keys(), DP, 1, INPUTS, NOW))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("is not the serving contract's X25519");
    }
}
