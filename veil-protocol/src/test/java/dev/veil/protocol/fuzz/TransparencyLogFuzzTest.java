package dev.veil.protocol.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.translog.LogVerifier;

/**
 * What the host relays about the transparency log: a data provider's leaf, inclusion proof and signed head; an
 * earlier head and a consistency proof for the model provider's audit. Parsed strictly, then verified against one
 * fixed instance and contract ({@link LogFixture}); each input ends in a verified head or a ProtocolException. The
 * seeds are a genuine log's ({@link TransparencyLogSeeds}), so mutations of the unsigned proofs and leaves reach the
 * RFC 9162 checks. Seeds run in the normal suite; JAZZER_FUZZ=1 fuzzes (docs/FUZZING.md).
 */
class TransparencyLogFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void signedLogThenVerify(FuzzedDataProvider data) {
        try {
            LogDocuments d = Json.parse(data.consumeRemainingAsBytes(), LogDocuments.class, "log documents");
            if (d.inclusion() != null) {
                LogVerifier.verifyInclusion(d.inclusion(), LogFixture.INSTANCE_KEYS, LogFixture.CONTRACT_HASH);
            }
            if (d.older() != null && d.inclusion() != null && d.consistency() != null) {
                LogVerifier.verifyConsistency(d.older(), d.inclusion().head(), d.consistency(), LogFixture.INSTANCE_KEYS,
                        LogFixture.CONTRACT_HASH);
            } else if (d.older() != null) {
                LogVerifier.verifyHead(d.older(), LogFixture.INSTANCE_KEYS, LogFixture.CONTRACT_HASH);
            }
        } catch (ProtocolException expected) {
            // rejected with a reason
        }
    }
}
