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
        assertThat(a.signature()).isNotEmpty();
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
    private static String[] lines(String name) throws Exception {
        return new String(seed("releaseRecordThenVerify", name), StandardCharsets.UTF_8).split("\n");
    }

    private static RecordLeaf revocationOf(String line) throws Exception {
        return BrokerMessages.logEntry(line.getBytes(StandardCharsets.UTF_8)).leaf();
    }

    /** A revocation is of every instance or of one, said one way: "all" and instance_keys never disagree, neither is left out. */
    @Test
    void revocationLineThatIsBothOrNeitherAllAndOneInstanceIsRefused() throws Exception {
        String one = lines("record-with-revocations.log")[1];
        String every = lines("record-with-revocations.log")[3];
        assertThat(revocationOf(one)).isInstanceOfSatisfying(RevocationLeaf.class, r -> assertThat(r.all()).isFalse());
        assertThat(revocationOf(every)).isInstanceOfSatisfying(RevocationLeaf.class, r -> assertThat(r.all()).isTrue());
        for (String forged : new String[] {
                one.replace("\"all\":false", "\"all\":true"),
                every.replace("\"all\":true", "\"all\":false"),
                one.replace("\"all\":false,", ""),
                one.replace("\"all\":false", "\"all\":\"false\""),
                one.replaceAll("\"instance_keys\":\"([0-9a-f]{64})\"", "\"instance_keys\":\"$1\",\"instance_keys\":\"$1\""),
                one.replace("\"revocation\":{\"all\"", "\"revocation\":{\"scope\":\"all\",\"all\""),
                one.replace("\"version\":1}}", "\"version\":2}}")}) {
            assertThat(forged).isNotEqualTo(one).isNotEqualTo(every);
            assertThatThrownBy(() -> BrokerMessages.logEntry(forged.getBytes(StandardCharsets.UTF_8))).as(forged)
                    .isInstanceOf(ProtocolException.class);
        }
    }

    /** A line is one entry: a revocation riding on a release's line (or replacing nothing) is refused. */
    @Test
    void lineHoldingARevocationAndAReleaseIsRefused() throws Exception {
        String release = lines("record-with-revocations.log")[0];
        String revocation = lines("record-with-revocations.log")[1];
        String leaf = revocation.replaceAll(".*(\"revocation\":\\{[^}]*\\}).*", "$1");
        String both = release.substring(0, release.length() - 1) + "," + leaf + "}";
        assertThatThrownBy(() -> BrokerMessages.logEntry(both.getBytes(StandardCharsets.UTF_8))).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("one of them");
    }

    /**
     * Release and owner-unwrap lines carry no revocation field, exactly as before revocations were recorded: a broker too
     * old to enforce revocations still reads records without them, and refuses (unknown field) those with them.
     */
    @Test
    void onlyARevocationLineNamesTheRevocationField() throws Exception {
        for (String line : lines("record.log")) {
            assertThat(line).doesNotContain("revocation");
        }
        String[] with = lines("record-with-revocations.log");
        assertThat(with[0]).doesNotContain("revocation");
        assertThat(with[2]).doesNotContain("revocation");
        assertThat(with[1]).contains("\"revocation\":{");
    }

    /** A revocation hashes under its own label: the same fields as a release never give a release's leaf hash. */
    @Test
    void revocationLeafHashesUnderItsOwnLabel() {
        String contract = "ab".repeat(32);
        String instance = "cd".repeat(32);
        RevocationLeaf r = RevocationLeaf.of(contract, 0, 5, instance);
        assertThat(new String(r.encode(), StandardCharsets.US_ASCII)).startsWith(RevocationLeaf.LABEL + "\0");
        assertThat(r.leafHash()).isNotEqualTo(new ReleaseLeaf(ReleaseLeaf.VERSION, contract, 0, 5, instance, instance).leafHash());
        assertThat(r.leafHash()).isNotEqualTo(RevocationLeaf.of(contract, 0, 5, null).leafHash());
    }
}
