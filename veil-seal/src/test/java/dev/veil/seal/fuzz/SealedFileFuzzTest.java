package dev.veil.seal.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.seal.AssetKey;
import dev.veil.seal.SealException;
import dev.veil.seal.Unsealer;

/**
 * Untrusted sealed bytes must only ever produce plaintext or a SealException — never another exception, a hang or
 * an allocation driven by attacker-chosen sizes. Runs its seeds in the normal test suite; fuzz for real with
 * {@code JAZZER_FUZZ=1} (see docs/FUZZING.md).
 */
class SealedFileFuzzTest {
    private static final byte[] KEY = new byte[32];

    @FuzzTest(maxDuration = "10s")
    void unsealArbitraryBytes(FuzzedDataProvider data) throws Exception {
        byte[] bytes = data.consumeRemainingAsBytes();
        try (AssetKey key = AssetKey.fromBytes(KEY)) {
            Unsealer.unsealBytes(bytes, key);
        } catch (SealException expected) {
            // rejected with a message: the only allowed failure
        }
    }
}
