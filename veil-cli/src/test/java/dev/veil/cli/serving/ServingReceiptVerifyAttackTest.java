package dev.veil.cli.serving;

import static dev.veil.cli.CliTest.veil;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veil.cli.CliTest;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code veil verify-receipt} on real serving receipts: written by {@code veil infer --receipt-out} and
 * {@code veil retire --receipt-out} in an end-to-end run against a sim serving enclave, then checked offline (the
 * server gone), as made and as an attacker would alter them. Each alteration is one line and exit 2.
 */
class ServingReceiptVerifyAttackTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    /** The inputs and outputs of the second request, whose receipt's proof has a sibling in it (a log of two). */
    static Path receipt;
    static Path otherInstanceReceipt;
    static Path discard;

    private static String p(String name) {
        return dir.resolve(name).toString();
    }

    @BeforeAll
    static void endToEndRun() throws Exception {
        try (ServingFixture f = new ServingFixture(Files.createDirectories(dir.resolve("run")))) {
            Files.write(dir.resolve("contract.json"), Json.canonical(f.signed));
            IdentityFiles.writeSecret(ServingFixture.DP, dir.resolve("dp.key"));
            IdentityFiles.writeSecret(ServingFixture.MP, dir.resolve("mp.key"));
            Files.write(dir.resolve("in1.npz"), ServingFixture.crops(1, 1));
            Files.write(dir.resolve("in2.npz"), ServingFixture.crops(2, 2));
            String url = f.uri().toString();
            assertThat(veil("provision", "--enclave", url, "--contract", p("contract.json"), "--identity", p("mp.key"),
                    "--sealed", f.sealedModel.toString(), "--key", keyFile(f), "--state", p("mp-state")).code()).isZero();
            for (int i = 1; i <= 2; i++) {
                CliTest.Result r = veil("infer", "--enclave", url, "--contract", p("contract.json"), "--identity", p("dp.key"),
                        "--data", p("in" + i + ".npz"), "--out", p("out" + i + ".npz"), "--receipt-out", p("receipt" + i + ".json"));
                assertThat(r.code()).as(r.err()).isZero();
            }
            CliTest.Result retired = veil("retire", "--enclave", url, "--contract", p("contract.json"), "--identity", p("mp.key"),
                    "--receipt-out", p("discard.json"));
            assertThat(retired.code()).as(retired.err()).isZero();

            // a second instance of the same contract (the server restarted), which answers one request too
            f.enclave.close();
            f.start(dev.veil.enclave.serving.ServerLimits.defaults());
            url = f.uri().toString();
            assertThat(veil("provision", "--enclave", url, "--contract", p("contract.json"), "--identity", p("mp.key"),
                    "--sealed", f.sealedModel.toString(), "--key", keyFile(f), "--state", p("mp-state"),
                    "--allow-instance-beyond-limit").code()).isZero();
            assertThat(veil("infer", "--enclave", url, "--contract", p("contract.json"), "--identity", p("dp.key"),
                    "--data", p("in1.npz"), "--out", p("other-out.npz"), "--receipt-out", p("other-receipt.json")).code()).isZero();
        }
        receipt = dir.resolve("receipt2.json");
        otherInstanceReceipt = dir.resolve("other-receipt.json");
        discard = dir.resolve("discard.json");
    }

    private static String keyFile(ServingFixture f) throws Exception {
        Path k = dir.resolve("model.key");
        if (!Files.exists(k)) {
            Files.createFile(k, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            Files.writeString(k, f.modelKey.toKeyFileText());
        }
        return k.toString();
    }

    @Test
    void genuineReceiptsVerifyOfflineInOneLineAndAsJson() {
        CliTest.Result r = veil("verify-receipt", "--receipt", receipt.toString(), "--contract", p("contract.json"),
                "--data", p("in2.npz"), "--output", p("out2.npz"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().strip().lines()).hasSize(1).first().asString().startsWith("verified: request 1 of data provider")
                .contains("log of 2 answers").contains("--data and --output are the request's inputs and outputs");
        assertThat(r.err()).contains("INSECURE simulated TEE");
        CliTest.Result json = veil("verify-receipt", "--receipt", receipt.toString(), "--contract", p("contract.json"), "--json");
        assertThat(json.code()).isZero();
        assertThat(json.out()).contains("\"verified\" : true").contains("\"tree_size\" : 2").contains("\"inputs_checked\" : false");
        CliTest.Result d = veil("verify-receipt", "--receipt", discard.toString(), "--contract", p("contract.json"));
        assertThat(d.code()).as(d.err()).isZero();
        assertThat(d.out().strip().lines()).hasSize(1).first().asString().startsWith("verified: the sim instance")
                .contains("after 2 requests and 3 rows").contains("final log head, of 2 answers");
        assertThat(veil("verify-receipt", "--receipt", discard.toString(), "--contract", p("contract.json"), "--json").out())
                .contains("\"requests_served\" : 2");
    }

    @Test
    void tamperedInclusionProofFails() throws Exception {
        refused(receipt, tree -> {
            ArrayNode path = (ArrayNode) tree.at("/receipt/log/proof/path");
            path.set(0, flipHex(path.get(0).asText()));
        }, "does not lead to the signed root");
        refused(receipt, tree -> ((ObjectNode) tree.at("/receipt/log/proof")).put("leaf_index", 0), "inclusion proof is for leaf 0");
        refused(receipt, tree -> ((ObjectNode) tree.at("/receipt/log/leaf")).put("timestamp", tree.at("/receipt/log/leaf/timestamp").asLong() + 1), "does not lead to the signed root");
    }

    @Test
    void tamperedTreeHeadFails() throws Exception {
        refused(receipt, tree -> ((ObjectNode) tree.at("/receipt/log/head/head")).put("tree_size", 3), "is not signed by this enclave instance's key");
        refused(receipt, tree -> ((ObjectNode) tree.at("/receipt/log/head/head"))
                .put("root_hash", flipHex(tree.at("/receipt/log/head/head/root_hash").asText())), "is not signed by this enclave instance's key");
    }

    @Test
    void tamperedTreeHeadSignatureFails() throws Exception {
        refused(receipt, tree -> {
            byte[] sig = Base64.getDecoder().decode(tree.at("/receipt/log/head/signature").asText());
            sig[10] ^= 1;
            ((ObjectNode) tree.at("/receipt/log/head")).put("signature", Base64.getEncoder().encodeToString(sig));
        }, "tree head");
    }

    /** The leaf's commitments open only to the digests and requester the data provider's request had. */
    @Test
    void receiptClaimingOtherOutputsOrAnotherRequesterFails() throws Exception {
        refused(receipt, tree -> tree.put("outputs_sha256", flipHex(tree.get("outputs_sha256").asText())), "does not commit to this response");
        var dp2 = JSON.readTree(Json.canonical(ServingFixture.DP2.publicIdentity()));
        refused(receipt, tree -> tree.set("requester", dp2), "does not commit to this requester");
        CliTest.Result r = veil("verify-receipt", "--receipt", receipt.toString(), "--contract", p("contract.json"),
                "--data", p("in1.npz"));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip().lines()).hasSize(1).first().asString().contains("is not the file this request sent");
    }

    /** Bound to the instance the data provider attested: another instance's evidence and keys do not carry this log. */
    @Test
    void receiptRebasedOnAnotherInstancesEvidenceFails() throws Exception {
        ObjectNode other = (ObjectNode) JSON.readTree(Files.readAllBytes(otherInstanceReceipt));
        refused(receipt, tree -> {
            for (String field : new String[] {"evidence", "collateral", "evidence_nonce", "instance_keys"}) {
                tree.set(field, other.get(field));
            }
        }, "another instance signed it");
        refused(receipt, tree -> tree.set("instance_keys", other.get("instance_keys")), "not attested");
    }

    @Test
    void tamperedDiscardReceiptOrItsFinalHeadFails() throws Exception {
        refused(discard, tree -> {
            byte[] payload = Base64.getDecoder().decode(tree.get("payload").asText());
            String text = new String(payload, java.nio.charset.StandardCharsets.UTF_8).replace("\"requests_served\":2", "\"requests_served\":1");
            tree.put("payload", Base64.getEncoder().encodeToString(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }, "signature does not verify");
        refused(discard, tree -> {
            byte[] sig = Base64.getDecoder().decode(tree.get("signature").asText());
            // the lowest bit of Ed25519's S (bytes 32..63): still a well-formed signature, which must not verify (a bit of R
            // may make R no point at all, refused earlier as malformed)
            sig[32] ^= 1;
            tree.put("signature", Base64.getEncoder().encodeToString(sig));
        }, "signature does not verify");
    }

    /** Alters a copy of {@code genuine}; verify-receipt must refuse it in one line, exit 2, saying {@code why}. */
    private static void refused(Path genuine, Consumer<ObjectNode> alter, String why) throws Exception {
        ObjectNode tree = (ObjectNode) JSON.readTree(Files.readAllBytes(genuine));
        alter.accept(tree);
        Path altered = Files.createTempFile(dir, "altered", ".json");
        Files.writeString(altered, tree.toString());
        CliTest.Result r = veil("verify-receipt", "--receipt", altered.toString(), "--contract", p("contract.json"));
        assertThat(r.code()).as(r.out()).isEqualTo(2);
        assertThat(r.out()).doesNotContain("verified");
        assertThat(r.err().strip().lines().filter(l -> !l.contains("INSECURE simulated TEE"))).as(r.err()).hasSize(1).first()
                .asString().contains(why);
    }

    private static String flipHex(String hex) {
        char c = hex.charAt(0);
        return (c == '0' ? '1' : '0') + hex.substring(1);
    }
}
