package dev.veil.protocol.translog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Signed heads, proofs and leaves arrive from the host; each is parsed once, strictly, by {@link Json}: a document
 * with a duplicate key, an unknown field, trailing data, a missing field, an unknown version or a malformed hash is
 * refused with a reason, never read with a default.
 */
class LogParsingStrictnessTest {
    private static final byte[] CONTRACT = TestInstance.contractHash("contract A");
    private final TestInstance instance = TestInstance.generate();

    private LogInclusion genuine() {
        TransparencyLog log = instance.log(CONTRACT);
        for (int i = 0; i < 4; i++) {
            log.append(TestInstance.someCommitments());
        }
        return log.append(TestInstance.someCommitments());
    }

    @Test
    void genuineDocumentsRoundTripAndVerify() throws Exception {
        LogInclusion original = genuine();
        byte[] json = Json.canonical(original);
        assertThat(new String(json, StandardCharsets.US_ASCII))
                .contains("\"leaf_index\":4", "\"tree_size\":5", "\"root_hash\":", "\"requester_commitment\":", "\"version\":1");
        LogInclusion parsed = Json.parse(json, LogInclusion.class, "log inclusion");
        assertThat(Json.canonical(parsed)).isEqualTo(json);
        LogVerifier.verifyInclusion(parsed, instance.keys(), CONTRACT);
    }

    @Test
    void duplicateRootHashKeyCannotReplaceTheSignedRoot() throws Exception {
        String json = new String(Json.canonical(genuine().head()), StandardCharsets.US_ASCII);
        String forged = json.replace("\"root_hash\":", "\"root_hash\":\"" + "A".repeat(43) + "=\",\"root_hash\":");
        assertThatThrownBy(() -> Json.parse(forged.getBytes(StandardCharsets.US_ASCII), SignedTreeHead.class, "tree head"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("duplicate key");
    }

    @Test
    void trailingDataIsRefused() throws Exception {
        byte[] json = Json.canonical(genuine().head());
        byte[] trailing = (new String(json, StandardCharsets.US_ASCII) + "{}").getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> Json.parse(trailing, SignedTreeHead.class, "tree head"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("trailing data");
    }

    @Test
    void unknownVersionsAreRefused() {
        refused(n -> ((ObjectNode) n.get("head").get("head")).put("version", 2), "tree head version 2 is not supported");
        refused(n -> ((ObjectNode) n.get("leaf")).put("version", 2), "log leaf version 2 is not supported");
        refused(n -> ((ObjectNode) n.get("head").get("head")).remove("version"), "version");
    }

    @Test
    void missingFieldsAreRefusedNotDefaulted() {
        refused(n -> ((ObjectNode) n.get("proof")).remove("leaf_index"), "leaf_index");
        refused(n -> ((ObjectNode) n.get("head").get("head")).remove("tree_size"), "tree_size");
        refused(n -> ((ObjectNode) n.get("leaf")).remove("sequence"), "sequence");
        refused(n -> ((ObjectNode) n.get("proof")).remove("path"), "path");
        refused(n -> ((ObjectNode) n).remove("head"), "head");
    }

    @Test
    void unknownFieldsAreRefused() {
        refused(n -> ((ObjectNode) n.get("head").get("head")).put("note", "unsigned"), "unknown field 'note'");
        refused(n -> ((ObjectNode) n).put("extra", 1), "unknown field 'extra'");
    }

    @Test
    void malformedValuesAreRefused() {
        refused(n -> ((ObjectNode) n.get("head")).put("signature", new byte[63]), "signature must be 64 bytes");
        refused(n -> ((ObjectNode) n.get("head").get("head")).put("tree_size", -1), "must not be negative");
        refused(n -> ((ObjectNode) n.get("head").get("head")).put("tree_size", "5"), "tree_size");
        refused(n -> ((ObjectNode) n.get("proof")).put("leaf_index", 4.5), "leaf_index");
        refused(n -> ((ArrayNode) n.get("proof").get("path")).add(new byte[31]), "is not a 32-byte hash");
        refused(n -> ((ArrayNode) n.get("proof").get("path")).addNull(), "is not a 32-byte hash");
        refused(n -> ((ObjectNode) n.get("leaf")).put("contract_hash", new byte[33]), "contract hash must be 32 bytes");
    }

    private void refused(Consumer<com.fasterxml.jackson.databind.JsonNode> change, String reason) {
        try {
            com.fasterxml.jackson.databind.JsonNode node = Json.mapper().readTree(Json.canonical(genuine()));
            change.accept(node);
            byte[] altered = Json.mapper().writeValueAsBytes(node);
            assertThatThrownBy(() -> Json.parse(altered, LogInclusion.class, "log inclusion"))
                    .isInstanceOf(ProtocolException.class).hasMessageContaining(reason);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
