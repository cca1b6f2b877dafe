package dev.veil.cli.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.enclave.serving.ServerLimits;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.keyrelease.AssetKeyWrap;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.keyrelease.KeyReleaseTranscript;
import dev.veil.protocol.servinghttp.ProvisionRelease;
import dev.veil.provider.serving.AttestedInstance;
import dev.veil.provider.serving.ServingClient;
import dev.veil.provider.serving.ServingRefused;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.Sealer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Provisioning and retiring over real sockets on 127.0.0.1, against the sim TEE and the real OCR model. */
class ServingProvisionTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static String health(ServingFixture f) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(f.uri().resolve("/healthz")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void provisionThenRetireWithAVerifiedReceiptThenEverythingIsRefused(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir)) {
            ServingClient mp = f.client();
            assertThat(health(f)).contains("\"model\":\"empty\"");
            f.provision(mp);
            assertThat(health(f)).contains("\"model\":\"serving\"");

            ServingClient.Retired retired = mp.retire(ServingFixture.MP);
            assertThat(retired.discard().contractHash()).isEqualTo(f.contract.hashHex());
            assertThat(retired.discard().requestsServed()).isZero();
            assertThat(retired.discard().released()).contains("onnx runtime session closed");
            assertThat(health(f)).contains("\"model\":\"retired\"");

            assertThatThrownBy(() -> f.provision(mp)).isInstanceOfSatisfying(ServingRefused.class,
                    e -> assertThat(e.reason()).isEqualTo("session_unavailable"));
        }
    }

    @Test
    void provisionReleasedByAnyoneButTheModelProviderIsRefused(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir)) {
            assertThatThrownBy(() -> f.client().provisionUncounted(ServingFixture.DP, dev.veil.provider.SealedAsset.of(f.sealedModel),
                    f.modelKey, f.sealedModel)).isInstanceOfSatisfying(ServingRefused.class, e -> {
                        assertThat(e.status()).isEqualTo(403);
                        assertThat(e.reason()).isEqualTo("contract_refused");
                    });
            assertThat(health(f)).contains("\"model\":\"empty\"");
        }
    }

    @Test
    void retireSignedByAnyoneButTheModelProviderIsRefused(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir)) {
            ServingClient mp = f.client();
            f.provision(mp);
            assertThatThrownBy(() -> mp.retire(ServingFixture.STRANGER)).isInstanceOfSatisfying(ServingRefused.class,
                    e -> assertThat(e.reason()).isEqualTo("contract_refused"));
            assertThat(health(f)).contains("\"model\":\"serving\"");
        }
    }

    /** A release recorded by the host, replayed with the right model after its first use failed, answers no live challenge. */
    @Test
    void recordedProvisioningReleaseCannotBeReplayed(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir); AssetKey other = AssetKey.generate()) {
            ServingClient mp = f.client();
            AttestedInstance a = mp.attestFresh();
            KeyReleaseTranscript t = new KeyReleaseTranscript(f.contract.hash(), Role.MODEL_PROVIDER, a.providerNonce(), a.enclaveNonce(),
                    Digests.sha256(a.enclave().evidence()), a.enclave().instanceKeys());
            Hpke.Sealed sealed = AssetKeyWrap.wrap(f.modelKey, new byte[0], a.enclave().instanceKeys().keyWrapSuite(),
                    a.enclave().instanceKeys().keyWrapKey(), t.hpkeInfo(), t.context());
            byte[] prefix = new ProvisionRelease(a.providerNonce(), a.enclaveNonce(), a.enclave().evidence(), a.collateral(),
                    sealed.enc(), sealed.ciphertext(),
                    ServingFixture.MP.sign(t.signingMessage(sealed.enc(), sealed.ciphertext()))).bodyPrefix();
            byte[] wrongModel = new Sealer().sealBytes(new byte[] {1, 2, 3}, other, ContentType.MODEL);
            assertThat(post(f, prefix, wrongModel).statusCode()).isEqualTo(422);   // asset_invalid: the key id differs
            HttpResponse<String> replay = post(f, prefix, Files.readAllBytes(f.sealedModel));
            assertThat(replay.statusCode()).isEqualTo(403);
            assertThat(replay.body()).contains("answers no attestation");
            assertThat(health(f)).contains("\"model\":\"empty\"");
        }
    }

    @Test
    void sealedModelOfAnotherDigestIsRefusedBeforeDecryption(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir)) {
            ServingClient mp = f.client();
            AttestedInstance a = mp.attestFresh();
            KeyReleaseTranscript t = new KeyReleaseTranscript(f.contract.hash(), Role.MODEL_PROVIDER, a.providerNonce(), a.enclaveNonce(),
                    Digests.sha256(a.enclave().evidence()), a.enclave().instanceKeys());
            Hpke.Sealed sealed = AssetKeyWrap.wrap(f.modelKey, new byte[0], a.enclave().instanceKeys().keyWrapSuite(),
                    a.enclave().instanceKeys().keyWrapKey(), t.hpkeInfo(), t.context());
            byte[] prefix = new ProvisionRelease(a.providerNonce(), a.enclaveNonce(), a.enclave().evidence(), a.collateral(),
                    sealed.enc(), sealed.ciphertext(),
                    ServingFixture.MP.sign(t.signingMessage(sealed.enc(), sealed.ciphertext()))).bodyPrefix();
            byte[] otherModel = new Sealer().sealBytes("not the contract's model".getBytes(), f.modelKey, ContentType.MODEL);
            HttpResponse<String> r = post(f, prefix, otherModel);
            assertThat(r.statusCode()).isEqualTo(422);
            assertThat(r.body()).contains("asset_invalid").contains("is not the serving contract's model");
        }
    }

    @Test
    void evidenceIsRefusedForAnotherContract(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir)) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(f.uri().resolve("/v1/attest")).POST(HttpRequest.BodyPublishers.ofByteArray(
                    Json.canonical(new dev.veil.protocol.servinghttp.AttestChallenge("ab".repeat(32), new byte[32])))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(409);
            assertThat(r.body()).contains("contract_refused");
        }
    }

    @Test
    void restartedServerHasLostTheModelAndTheClientNoticesTheNewInstance(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir)) {
            ServingClient mp = f.client();
            f.provision(mp);
            AttestedInstance before = mp.attest();
            int port = f.enclave.port();
            f.enclave.close();
            f.start(ServerLimits.defaults(), port);
            assertThat(health(f)).contains("\"model\":\"empty\"");
            // signed for the old instance's keys: refused, and the answer names new keys, so the cached appraisal goes
            assertThatThrownBy(() -> mp.retire(ServingFixture.MP)).isInstanceOf(ServingRefused.class);
            AttestedInstance after = mp.attest();
            assertThat(after.enclave().instanceKeys().digest()).isNotEqualTo(before.enclave().instanceKeys().digest());
            assertThatThrownBy(() -> mp.retire(ServingFixture.MP)).isInstanceOfSatisfying(ServingRefused.class,
                    e -> assertThat(e.reason()).isEqualTo("session_unavailable"));
            f.provision(mp);   // the model provider provisions the new instance
            assertThat(health(f)).contains("\"model\":\"serving\"");
        }
    }

    private static HttpResponse<String> post(ServingFixture f, byte[] prefix, byte[] sealed) throws Exception {
        return HTTP.send(f.provisionRequest(prefix, sealed), HttpResponse.BodyHandlers.ofString());
    }
}
