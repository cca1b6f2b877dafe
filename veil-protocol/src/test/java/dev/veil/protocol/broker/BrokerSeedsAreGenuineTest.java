package dev.veil.protocol.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.VerificationOptions;
import dev.veil.protocol.serving.ServingAppraisal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The committed broker seeds pass every check of their target, so the fuzzer starts past the parsers' first refusals. */
class BrokerSeedsAreGenuineTest {
    private static byte[] seed(String target, String name) throws Exception {
        return Files.readAllBytes(Path.of(BrokerSeedsAreGenuineTest.class.getResource("BrokerParsersFuzzTestInputs").toURI())
                .resolve(target).resolve(name));
    }

    @Test
    void seedsParseAppraiseAndVerify() throws Exception {
        ReleaseRequest r = BrokerMessages.releaseRequest(seed("releaseRequest", "request.json"));
        assertThat(ServingAppraisal.appraise(BrokerFuzzFixture.CONTRACT, r.offer().platform(), r.offer().evidence(), r.brokerNonce(),
                r.offer().instanceKeys(), VerificationOptions.at(BrokerFuzzFixture.CHECKED_AT)).simulated()).isTrue();
        assertThat(BrokerMessages.wrapRequest(seed("dataKeyRequest", "wrap.json")).masterKeyId()).isEqualTo("dataset-1");
        assertThat(BrokerMessages.unwrapRequest(seed("dataKeyRequest", "unwrap.json")).masterKeyId()).isEqualTo("dataset-1");
        assertThat(BrokerMessages.releaseAnswer(seed("brokerAnswer", "release.json")).key()).isNotNull();
        assertThat(BrokerMessages.challenge(seed("brokerAnswer", "challenge.json")).contractHash()).isEqualTo(BrokerFuzzFixture.CONTRACT.hashHex());
        assertThat(BrokerMessages.wrapAnswer(seed("brokerAnswer", "wrap.json")).wrappedKey()).startsWith(WrappedDataKey.PREFIX);
        BrokerMessages.unwrapAnswer(seed("brokerAnswer", "unwrap.json"));
        List<ReleaseLogEntry> entries = new ArrayList<>();
        for (String line : new String(seed("releaseRecordThenVerify", "record.log"), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
            entries.add(BrokerMessages.logEntry(line.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        assertThat(ReleaseLogVerifier.verify(entries, BrokerFuzzFixture.CONTRACT.hash(), BrokerFuzzFixture.BROKER).size()).isEqualTo(3);
        assertThat(entries.get(1).ownerUnwrap()).isNotNull();
        List<ReleaseLogEntry> withRevocations = new ArrayList<>();
        for (String line : new String(seed("releaseRecordThenVerify", "record-with-revocations.log"),
                java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
            withRevocations.add(BrokerMessages.logEntry(line.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        assertThat(ReleaseLogVerifier.verify(withRevocations, BrokerFuzzFixture.CONTRACT.hash(), BrokerFuzzFixture.BROKER).size())
                .isEqualTo(4);
        RevokedInstances revoked = RevokedInstances.of(withRevocations);
        assertThat(revoked.instances()).containsExactly(String.format("%064x", 1));
        assertThat(revoked.all()).isTrue();
        for (String owner : List.of("owner-unwrap.json", "owner-unwrap-own-key.json")) {
            OwnerUnwrapRequest o = OwnerUnwrapMessages.request(seed("ownerUnwrapRequest", owner));
            assertThat(BrokerFuzzFixture.BROKER.verify(o.signingMessage(), o.signature())).as(owner).isTrue();
        }
        assertThat(BrokerMessages.challengeRequest(seed("challenges", "challenge-request.json")).contractHash())
                .isEqualTo(BrokerFuzzFixture.CONTRACT.hashHex());
        assertThat(BrokerMessages.dataKeyChallengeRequest(seed("challenges", "data-key-challenge-request.json")).contractHash())
                .isEqualTo(BrokerFuzzFixture.CONTRACT.hashHex());
        assertThat(BrokerMessages.dataKeyChallengeRequest(seed("challenges", "provider-data-key-challenge-request.json")).contractHash())
                .isNull();
        BrokerMessages.dataKeyChallenge(seed("challenges", "data-key-challenge.json"));
    }
}
