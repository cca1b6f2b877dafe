package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.broker.WrappedDataKey;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The committed broker state seeds pass every check of their target, so the fuzzer starts past the first refusals. */
class BrokerStateSeedsAreGenuineTest {
    private static final String HEX = Digests.hex(BrokerStateFuzzFixture.CONTRACT);

    private static byte[] seed(String target, String name) throws Exception {
        return Files.readAllBytes(Path.of(BrokerStateSeedsAreGenuineTest.class.getResource("BrokerStateFuzzTestInputs").toURI())
                .resolve(target).resolve(name));
    }

    @Test
    void servedContractsVerifyAgainstTheBroker() throws Exception {
        BrokerState state = BrokerStateFuzzFixture.freshState("genuine-served");
        Files.write(state.dir().resolve(ServedContracts.FILE), seed("servedContractsThenVerify", "served-one.json"));
        assertThat(ServedContracts.read(state, BrokerStateFuzzFixture.BROKER_PUBLIC)).containsExactly(HEX);
        Files.write(state.dir().resolve(ServedContracts.FILE), seed("servedContractsThenVerify", "served-three.json"));
        assertThat(ServedContracts.read(state, BrokerStateFuzzFixture.BROKER_PUBLIC)).hasSize(3).contains(HEX);
    }

    @Test
    void recordsOpenAsTheBrokerOpensThem() throws Exception {
        assertThat(open("empty-record", false).size()).isZero();
        assertThat(open("releases-unwrap-revocations", false).size()).isEqualTo(5);
        assertThat(open("newline-lost", false).size()).isEqualTo(5);   // the whole last line is kept
        assertThat(open("torn-last-line", false).size()).isEqualTo(4);   // the torn one is cut
        assertThatThrownBy(() -> open("no-kept-head", false)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("--accept-record-rollback");
        assertThat(open("no-kept-head", true).size()).isEqualTo(5);
    }

    /** The record's size after the broker opened the seed (log, NUL, kept head) and closed it again. */
    private static ReleaseRecord open(String name, boolean acceptRollback) throws Exception {
        byte[] input = seed("releaseRecordThenOpen", name);
        BrokerState state = BrokerStateFuzzFixture.freshState("genuine-record");
        int nul = indexOf(input);
        Files.write(ReleaseRecord.file(state, HEX), nul < 0 ? input : Arrays.copyOf(input, nul));
        if (nul >= 0) {
            Files.write(ReleaseRecord.headFile(state, HEX), Arrays.copyOfRange(input, nul + 1, input.length));
        }
        ReleaseRecord r = ReleaseRecord.open(state, BrokerStateFuzzFixture.CONTRACT, BrokerStateFuzzFixture.BROKER, acceptRollback);
        r.close();
        return r;
    }

    @Test
    void revocationListsParse() throws Exception {
        assertThat(Revocations.parse(lines("revoked-one")).instances()).containsExactly(BrokerStateFuzzFixture.INSTANCE);
        Revocations.Snapshot both = Revocations.parse(lines("revoked-all-and-one"));
        assertThat(both.all()).isTrue();
        assertThat(both.instances()).containsExactly(BrokerStateFuzzFixture.INSTANCE);
    }

    private static java.util.List<String> lines(String name) throws Exception {
        return new String(seed("revocationList", name), java.nio.charset.StandardCharsets.US_ASCII).lines().toList();
    }

    @Test
    void theWrappedDataKeyOpensUnderTheSeedsMasterKey() throws Exception {
        for (String name : new String[] {"scoped-key", "unscoped-key"}) {
            byte[] input = seed("masterKeyFiles", name);
            BrokerState state = BrokerStateFuzzFixture.freshState("genuine-keys");
            Files.write(state.masterKeys().resolve(BrokerStateFuzzFixture.MASTER_KEY_ID + ".key"), Arrays.copyOfRange(input, 1, 1 + input[0]));
            if (input.length > 1 + input[0]) {
                Files.write(state.masterKeys().resolve(BrokerStateFuzzFixture.MASTER_KEY_ID + ".contracts"),
                        Arrays.copyOfRange(input, 1 + input[0], input.length));
            }
            MasterKeys keys = new MasterKeys(state.masterKeys());
            assertThat(keys.scope(BrokerStateFuzzFixture.MASTER_KEY_ID)).as(name)
                    .isEqualTo(name.equals("scoped-key") ? java.util.Set.of(HEX) : null);
            assertThat(keys.unwrapProviders(BrokerStateFuzzFixture.MASTER_KEY_ID,
                    WrappedDataKey.parse(BrokerStateFuzzFixture.WRAPPED_DATA_KEY))).as(name).hasSize(32);
        }
    }

    @Test
    void theCapturedAnswersOpenAndWrapInTheSdk() throws Exception {
        CannedBrokerAnswers canned = CannedBrokerAnswers.start();
        byte[] owner = answerSeed("ownerUnwrapAnswers", "owner-unwrap");
        canned.answer(Arrays.copyOf(owner, indexOf(owner)), Arrays.copyOfRange(owner, indexOf(owner) + 1, owner.length));
        assertThat(new OwnerDataKeys(canned.uri(), BrokerStateFuzzFixture.BROKER, HEX).unwrap(BrokerStateFuzzFixture.MASTER_KEY_ID,
                BrokerStateFuzzFixture.WRAPPED_DATA_KEY, null)).isEqualTo(new byte[32]);
        byte[] provider = answerSeed("providerWrapAnswers", "provider-wrap");
        canned.answer(Arrays.copyOf(provider, indexOf(provider)), Arrays.copyOfRange(provider, indexOf(provider) + 1, provider.length));
        assertThat(new ProviderDataKeys(canned.uri(), BrokerStateFuzzFixture.BROKER).wrap(BrokerStateFuzzFixture.MASTER_KEY_ID,
                new byte[32])).isEqualTo(BrokerStateFuzzFixture.WRAPPED_DATA_KEY);
    }

    private static byte[] answerSeed(String target, String name) throws Exception {
        return Files.readAllBytes(Path.of(BrokerStateSeedsAreGenuineTest.class.getResource("DataKeyAnswersFuzzTestInputs").toURI())
                .resolve(target).resolve(name));
    }

    private static int indexOf(byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
