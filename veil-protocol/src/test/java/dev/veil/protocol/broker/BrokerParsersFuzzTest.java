package dev.veil.protocol.broker;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.attest.AttestationException;
import dev.veil.attest.VerificationOptions;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.serving.ServingAppraisal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What an instance, a provider or a file can hand a key broker, and what a broker hands an instance: release requests
 * (then appraised against the fixture's contract), data-key requests, owner unwrap requests (then their signature
 * checked), challenge requests, the broker's answers, and a release record with owner unwraps and revocations (then verified against
 * the broker's identity). Each ends in a value or a ProtocolException (or the appraisal's
 * AttestationException). Seeds run in the normal suite; JAZZER_FUZZ=1 fuzzes (docs/FUZZING.md).
 */
class BrokerParsersFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void releaseRequest(FuzzedDataProvider data) {
        try {
            ReleaseRequest r = BrokerMessages.releaseRequest(data.consumeRemainingAsBytes());
            ServingAppraisal.appraise(BrokerFuzzFixture.CONTRACT, r.offer().platform(), r.offer().evidence(), r.brokerNonce(),
                    r.offer().instanceKeys(), VerificationOptions.at(BrokerFuzzFixture.CHECKED_AT));
        } catch (ProtocolException | AttestationException expected) {
            // rejected with a reason
        }
    }

    @FuzzTest(maxDuration = "5s")
    void dataKeyRequest(FuzzedDataProvider data) {
        byte[] bytes = data.consumeRemainingAsBytes();
        try {
            BrokerMessages.wrapRequest(bytes).signingMessage();
        } catch (ProtocolException expected) {
            // rejected with a reason
        }
        try {
            WrappedDataKey.parse(BrokerMessages.unwrapRequest(bytes).wrappedKey());
        } catch (ProtocolException expected) {
            // rejected with a reason
        }
    }

    @FuzzTest(maxDuration = "5s")
    void brokerAnswer(FuzzedDataProvider data) {
        byte[] bytes = data.consumeRemainingAsBytes();
        try {
            BrokerMessages.challenge(bytes);
        } catch (ProtocolException expected) {
            // rejected with a reason
        }
        try {
            BrokerMessages.releaseAnswer(bytes);
        } catch (ProtocolException expected) {
            // rejected with a reason
        }
        try {
            WrappedDataKey.parse(BrokerMessages.wrapAnswer(bytes).wrappedKey());
        } catch (ProtocolException expected) {
            // rejected with a reason
        }
        try {
            BrokerMessages.unwrapAnswer(bytes).sealed();
        } catch (ProtocolException expected) {
            // rejected with a reason
        }
    }

    /** A data provider's own unwrap request ({@code /v1/owner/unwrap}), then its signature checked as the broker checks it. */
    @FuzzTest(maxDuration = "5s")
    void ownerUnwrapRequest(FuzzedDataProvider data) {
        try {
            OwnerUnwrapRequest r = OwnerUnwrapMessages.request(data.consumeRemainingAsBytes());
            WrappedDataKey.parse(r.wrappedKey());
            BrokerFuzzFixture.BROKER.verify(r.signingMessage(), r.signature());
        } catch (ProtocolException expected) {
            // rejected with a reason
        }
    }

    /** Challenge requests (release, owner and data-key routes) and the broker's data-key challenge. */
    @FuzzTest(maxDuration = "5s")
    void challenges(FuzzedDataProvider data) {
        byte[] bytes = data.consumeRemainingAsBytes();
        try {
            BrokerMessages.challengeRequest(bytes);
        } catch (ProtocolException expected) {
            // rejected with a reason
        }
        try {
            DataKeyChallengeRequest.binding(BrokerMessages.dataKeyChallengeRequest(bytes).contractHash());
        } catch (ProtocolException expected) {
            // rejected with a reason
        }
        try {
            BrokerMessages.dataKeyChallenge(bytes).nonce();
        } catch (ProtocolException expected) {
            // rejected with a reason
        }
    }

    @FuzzTest(maxDuration = "5s")
    void releaseRecordThenVerify(FuzzedDataProvider data) {
        byte[] bytes = data.consumeRemainingAsBytes();
        try {
            List<ReleaseLogEntry> entries = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] == '\n') {
                    entries.add(BrokerMessages.logEntry(Arrays.copyOfRange(bytes, start, i)));
                    start = i + 1;
                }
            }
            ReleaseLogVerifier.verify(entries, BrokerFuzzFixture.CONTRACT.hash(), BrokerFuzzFixture.BROKER);
            RevokedInstances.of(entries);   // what a broker rebuilds from a verified record at start
        } catch (ProtocolException expected) {
            // rejected with a reason
        }
    }
}
