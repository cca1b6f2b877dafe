package dev.veil.cli.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.contract.Role;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.keyrelease.AssetKeyWrap;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.keyrelease.KeyReleaseTranscript;
import dev.veil.protocol.servinghttp.ProvisionRelease;
import dev.veil.provider.serving.AttestedInstance;
import dev.veil.seal.AssetKey;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of the stateless serving challenges (issue 9 review, attacker's side), over real sockets against the sim TEE
 * and the real OCR model. Each test is named after an attack; these hold (regression tests).
 */
class ServingChallengeReviewAttackTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /**
     * Attack: a stranger attests after the model provider (so its serial is higher), then posts a release for its own
     * attestation signed by its own identity, hoping the instance's one-number watermark moves past the model provider's
     * serial and the model provider's genuine release is then refused as "used already". Expected: the stranger's release
     * is refused 403 before the watermark moves (only a release the contract's model provider signed moves it), and the
     * model provider's earlier release still provisions. Why it matters: otherwise anyone could keep an instance from
     * ever being provisioned with one attestation per model-provider attempt.
     */
    @Test
    void strangersOwnSignedReleaseCannotBurnTheModelProvidersWatermark(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir)) {
            AttestedInstance mp = f.client().attestFresh();
            AttestedInstance stranger = f.client().attestFresh();   // a later serial
            byte[] forged = release(f, stranger, ServingFixture.STRANGER, AssetKey.generate());
            HttpResponse<String> refused = post(f, forged, Files.readAllBytes(f.sealedModel));
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
            assertThat(refused.body()).contains("not signed by the serving contract's model provider");
            HttpResponse<String> ok = post(f, release(f, mp, ServingFixture.MP, f.modelKey), Files.readAllBytes(f.sealedModel));
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        }
    }

    /**
     * Attack: the model provider's genuine release for one attestation, with the evidence it carries back swapped for the
     * evidence of another attestation of the same instance (same platform, same instance keys, same collateral: every
     * other part of the MAC equal), so the discard receipt would name evidence the model provider never appraised.
     * Expected: 403 "answers no attestation this instance gave" (the MAC covers SHA-256 of the evidence, and the model
     * provider's signature covers it too). Why it matters: the discard receipt's evidence must be what the model
     * provider verified.
     */
    @Test
    void releaseCarryingTheEvidenceOfAnotherAttestationOfTheSameInstanceIsRefused(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir)) {
            AttestedInstance a = f.client().attestFresh();
            AttestedInstance b = f.client().attestFresh();
            ProvisionRelease genuine = releaseRecord(f, a, ServingFixture.MP, f.modelKey);
            byte[] swapped = new ProvisionRelease(genuine.providerNonce(), genuine.enclaveNonce(), b.enclave().evidence(),
                    genuine.collateral(), genuine.enc(), genuine.wrappedKey(), genuine.signature()).bodyPrefix();
            HttpResponse<String> r = post(f, swapped, Files.readAllBytes(f.sealedModel));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
            assertThat(r.body()).contains("answers no attestation this instance gave");
        }
    }

    private static byte[] release(ServingFixture f, AttestedInstance a, Identity signer, AssetKey key) throws Exception {
        return releaseRecord(f, a, signer, key).bodyPrefix();
    }

    private static ProvisionRelease releaseRecord(ServingFixture f, AttestedInstance a, Identity signer, AssetKey key) throws Exception {
        KeyReleaseTranscript t = new KeyReleaseTranscript(f.contract.hash(), Role.MODEL_PROVIDER, a.providerNonce(), a.enclaveNonce(),
                Digests.sha256(a.enclave().evidence()), a.enclave().instanceKeys());
        Hpke.Sealed sealed = AssetKeyWrap.wrap(key, new byte[0], a.enclave().instanceKeys().keyWrapSuite(),
                a.enclave().instanceKeys().keyWrapKey(), t.hpkeInfo(), t.context());
        return new ProvisionRelease(a.providerNonce(), a.enclaveNonce(), a.enclave().evidence(), a.collateral(), sealed.enc(),
                sealed.ciphertext(), signer.sign(t.signingMessage(sealed.enc(), sealed.ciphertext())));
    }

    private static HttpResponse<String> post(ServingFixture f, byte[] prefix, byte[] sealed) throws Exception {
        return HTTP.send(f.provisionRequest(prefix, sealed), HttpResponse.BodyHandlers.ofString());
    }
}
