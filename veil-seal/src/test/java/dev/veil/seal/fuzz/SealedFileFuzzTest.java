package dev.veil.seal.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.seal.AssetKey;
import dev.veil.seal.SealException;
import dev.veil.seal.Unsealer;

/**
 * Untrusted sealed bytes must only ever produce plaintext or a SealException — never another exception, a hang or
 * an allocation driven by attacker-chosen sizes. The input is a 32-byte key followed by the sealed bytes, so seeds
 * made with {@code veil seal} carry their own key and mutations of the sealed part get past the key check into
 * segment decryption. Runs its seeds in the normal test suite; fuzz with {@code ./fuzz} (docs/FUZZING.md).
 */
class SealedFileFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void unsealArbitraryBytes(FuzzedDataProvider data) throws Exception {
        byte[] key = data.consumeBytes(32);
        if (key.length < 32) {
            return;
        }
        byte[] sealed = data.consumeRemainingAsBytes();
        try (AssetKey k = AssetKey.fromBytes(key)) {
            Unsealer.unsealBytes(sealed, k);
        } catch (SealException expected) {
            // rejected with a message: the only allowed failure
        }
    }
}
