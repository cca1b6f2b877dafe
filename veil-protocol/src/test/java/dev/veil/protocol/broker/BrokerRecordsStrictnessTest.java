package dev.veil.protocol.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Broker records are read once and strictly: one spelling, no extras, no duplicates, nothing left out. */
class BrokerRecordsStrictnessTest {
    private static byte[] seed(String target, String name) throws Exception {
        return Files.readAllBytes(Path.of(BrokerRecordsStrictnessTest.class.getResource("BrokerParsersFuzzTestInputs").toURI())
                .resolve(target).resolve(name));
    }

    @Test
    void wrappedDataKeyHasOneSpellingOnly() {
        String genuine = new WrappedDataKey(new byte[12], new byte[32]).text();
        assertThat(WrappedDataKey.parse(genuine).text()).isEqualTo(genuine);
        assertThatThrownBy(() -> WrappedDataKey.parse(genuine + "=")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WrappedDataKey.parse("v2:" + genuine.substring(3))).isInstanceOf(IllegalArgumentException.class);
        // base64url's last character carries unused bits: a second spelling of the same bytes is refused
        char last = genuine.charAt(genuine.length() - 1);
        String sibling = genuine.substring(0, genuine.length() - 1) + (char) (last + 1);
        assertThatThrownBy(() -> WrappedDataKey.parse(sibling)).isInstanceOf(IllegalArgumentException.class);
        // a wrapped key of a length no AES key has
        assertThatThrownBy(() -> new WrappedDataKey(new byte[12], new byte[17])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void releaseRequestWithAnUnknownFieldOrADuplicateKeyIsRefused() throws Exception {
        String genuine = new String(seed("releaseRequest", "request.json"), StandardCharsets.UTF_8);
        BrokerMessages.releaseRequest(genuine.getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> BrokerMessages.releaseRequest(("{\"extra\":1," + genuine.substring(1)).getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("unknown field 'extra'");
        String hash = genuine.replaceAll(".*\"contract_hash\":\"([0-9a-f]{64})\".*", "$1");
        assertThatThrownBy(() -> BrokerMessages.releaseRequest(("{\"contract_hash\":\"" + hash + "\"," + genuine.substring(1))
                .getBytes(StandardCharsets.UTF_8))).isInstanceOf(ProtocolException.class).hasMessageContaining("duplicate key");
        assertThatThrownBy(() -> BrokerMessages.releaseRequest((genuine + "{}").getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("trailing data");
    }

    @Test
    void releaseAnswerWithoutItsSignatureOrWithAShortNonceIsRefused() throws Exception {
        String genuine = new String(seed("brokerAnswer", "release.json"), StandardCharsets.UTF_8);
        ReleaseAnswer a = BrokerMessages.releaseAnswer(genuine.getBytes(StandardCharsets.UTF_8));
        String unsigned = genuine.replaceAll(",\"signature\":\"[^\"]*\"", "");
        assertThatThrownBy(() -> BrokerMessages.releaseAnswer(unsigned.getBytes(StandardCharsets.UTF_8))).isInstanceOf(ProtocolException.class);
        String shortNonce = genuine.replaceAll("\"broker_nonce\":\"[^\"]*\"", "\"broker_nonce\":\"AAAA\"");
        assertThatThrownBy(() -> BrokerMessages.releaseAnswer(shortNonce.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("broker_nonce must be 32 bytes");
        assertThat(a.provisionRelease().signature()).isEqualTo(a.signature());
    }

    @Test
    void masterKeyIdIsNeverAPath() throws Exception {
        String genuine = new String(seed("dataKeyRequest", "unwrap.json"), StandardCharsets.UTF_8);
        for (String bad : new String[] {"../x", "a/b", ".hidden", "", "x".repeat(65)}) {
            String forged = genuine.replace("\"master_key_id\":\"dataset-1\"", "\"master_key_id\":\"" + bad + "\"");
            assertThatThrownBy(() -> BrokerMessages.unwrapRequest(forged.getBytes(StandardCharsets.UTF_8)))
                    .as(bad).isInstanceOf(ProtocolException.class).hasMessageContaining("master_key_id");
        }
    }

    @Test
    void oversizedBodyIsRefusedBeforeItIsParsed() {
        assertThatThrownBy(() -> BrokerMessages.wrapRequest(new byte[BrokerMessages.MAX_SMALL_BYTES + 1]))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("at most");
        assertThat(Json.canonical(new ChallengeRequest("ab".repeat(32)))).isNotEmpty();
    }
}
