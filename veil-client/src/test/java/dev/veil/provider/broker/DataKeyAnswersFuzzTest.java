package dev.veil.provider.broker;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.protocol.json.ProtocolException;
import java.io.IOException;
import java.util.Arrays;

/**
 * What whoever answers at a provider's broker address hands the provider's SDK: the owner challenge and the owner
 * unwrap answer, checked against the provider's (the broker's) identity and opened with its key-agreement key
 * ({@link OwnerDataKeys}); the data-key challenge and the wrap answer ({@link ProviderDataKeys}). Each input is a
 * challenge body, a NUL, then the answer body, served over loopback HTTP by {@link CannedBrokerAnswers}. Each ends in a
 * value or a ProtocolException or IOException; connections anywhere but that server stay findings (Jazzer's SSRF
 * detector). Genuine seeds captured from a running broker by {@link BrokerStateSeeds}.
 */
class DataKeyAnswersFuzzTest {
    private static final CannedBrokerAnswers BROKER = CannedBrokerAnswers.start();
    private static final OwnerDataKeys OWNER = new OwnerDataKeys(BROKER.uri(), BrokerStateFuzzFixture.BROKER,
            dev.veil.protocol.json.Digests.hex(BrokerStateFuzzFixture.CONTRACT));
    private static final ProviderDataKeys PROVIDER = new ProviderDataKeys(BROKER.uri(), BrokerStateFuzzFixture.BROKER);

    @FuzzTest(maxDuration = "5s")
    void ownerUnwrapAnswers(byte[] input) {
        serve(input);
        try (SilentCloseable loopback = BugDetectors.allowNetworkConnections(BROKER::isThis)) {
            Arrays.fill(OWNER.unwrap(BrokerStateFuzzFixture.MASTER_KEY_ID, BrokerStateFuzzFixture.WRAPPED_DATA_KEY, null), (byte) 0);
        } catch (IOException | ProtocolException expected) {
            // refused with a reason
        }
    }

    @FuzzTest(maxDuration = "5s")
    void providerWrapAnswers(byte[] input) {
        serve(input);
        try (SilentCloseable loopback = BugDetectors.allowNetworkConnections(BROKER::isThis)) {
            PROVIDER.wrap(BrokerStateFuzzFixture.MASTER_KEY_ID, new byte[32]);
        } catch (IOException | ProtocolException expected) {
            // refused with a reason
        }
    }

    private static void serve(byte[] input) {
        int nul = -1;
        for (int i = 0; i < input.length && nul < 0; i++) {
            nul = input[i] == 0 ? i : -1;
        }
        BROKER.answer(nul < 0 ? input : Arrays.copyOf(input, nul), nul < 0 ? new byte[0] : Arrays.copyOfRange(input, nul + 1, input.length));
    }
}
