package dev.veil.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.receipt.DiscardReceipt;
import dev.veil.protocol.receipt.ReceiptVerifier;
import dev.veil.protocol.receipt.SignedReceipt;
import dev.veil.protocol.wire.Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The attack: a peer, a host or a file leaves a part out of a document (or sends it as null), hoping the reader
 * takes the absence for a default or crashes on it. Two fuzz findings were of this class (instance keys without their
 * suite, an identity without its key-agreement suite). Here every field, at every depth, of every real document a
 * peer can send is removed and, separately, set to null: each variant must be refused with a reason
 * ({@link ProtocolException}) or read as what it says — never a crash — through the same parse-then-verify path the
 * fuzz targets take. And a part a document cannot do without is refused when parsed, before any check runs.
 */
class MissingPartAttackTest {
    private static final Path SEEDS = Path.of("src/test/resources/dev/veil/protocol/fuzz/ProtocolParsersFuzzTestInputs");
    private static final Path SESSION = Path.of("src/test/resources/dev/veil/protocol/fuzz/demo-session");

    @TestFactory
    Stream<DynamicTest> everyPartLeftOutOfAWireMessageIsRefusedOrRead() throws IOException {
        return variants(SEEDS.resolve("wireMessage"), bytes -> Json.parse(bytes, Message.class, "message"));
    }

    @TestFactory
    Stream<DynamicTest> everyPartLeftOutOfTheContractIsRefused() throws IOException {
        Instant at = Instant.parse(Files.readString(SESSION.resolve("checked-at")).strip());
        return variants(SESSION.resolve("contract.json"),
                bytes -> ContractVerifier.verify(Json.parse(bytes, SignedContract.class, "contract"), at));
    }

    @TestFactory
    Stream<DynamicTest> everyPartLeftOutOfAReceiptIsRefused() throws IOException, ProtocolException {
        Instant at = Instant.parse(Files.readString(SESSION.resolve("checked-at")).strip());
        ContractVerifier.Verified contract = ContractVerifier.verify(
                Json.parse(Files.readAllBytes(SESSION.resolve("contract.json")), SignedContract.class, "contract"), at);
        return variants(SEEDS.resolve("receiptThenVerify"), bytes -> {
            SignedReceipt r = Json.parse(bytes, SignedReceipt.class, "receipt");
            if (DiscardReceipt.KIND.equals(r.kind())) {
                ReceiptVerifier.verifyDiscard(r, contract, at);
            } else {
                ReceiptVerifier.verifyResult(r, contract, at);
            }
        });
    }

    interface Reader {
        void read(byte[] json) throws ProtocolException;
    }

    private static Stream<DynamicTest> variants(Path seeds, Reader reader) throws IOException {
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(seeds)) {
            try (Stream<Path> s = Files.list(seeds)) {
                s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().forEach(files::add);
            }
        } else {
            files.add(seeds);
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (Path f : files) {
            JsonNode doc = Json.mapper().readTree(Files.readAllBytes(f));
            for (String path : fieldPaths(doc, "")) {
                for (boolean asNull : new boolean[] {false, true}) {
                    String name = f.getFileName() + ": " + path + (asNull ? " = null" : " left out");
                    byte[] variant = Json.canonical(without(doc.deepCopy(), path, asNull));
                    tests.add(DynamicTest.dynamicTest(name, () -> {
                        try {
                            reader.read(variant);
                        } catch (ProtocolException refused) {
                            assertThat(refused.getMessage()).isNotBlank();
                        } catch (RuntimeException crash) {
                            throw new AssertionError(name + " crashed the reader instead of being refused", crash);
                        }
                    }));
                }
            }
        }
        return tests.stream();
    }

    /** "a", "a.b", "a.list[0].c": every object field at every depth. */
    static List<String> fieldPaths(JsonNode node, String prefix) {
        List<String> paths = new ArrayList<>();
        if (node instanceof ObjectNode o) {
            o.fieldNames().forEachRemaining(name -> {
                String p = prefix.isEmpty() ? name : prefix + "." + name;
                paths.add(p);
                paths.addAll(fieldPaths(o.get(name), p));
            });
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                paths.addAll(fieldPaths(a.get(i), prefix + "[" + i + "]"));
            }
        }
        return paths;
    }

    static JsonNode without(JsonNode root, String path, boolean asNull) {
        JsonNode parent = root;
        String[] steps = path.split("\\.");
        for (int i = 0; i < steps.length - 1; i++) {
            parent = step(parent, steps[i]);
        }
        String last = steps[steps.length - 1];
        int bracket = last.indexOf('[');
        if (bracket >= 0) {
            throw new UncheckedIOException(new IOException("paths end in a field: " + path));
        }
        if (asNull) {
            ((ObjectNode) parent).set(last, NullNode.instance);
        } else {
            ((ObjectNode) parent).remove(last);
        }
        return root;
    }

    private static JsonNode step(JsonNode node, String step) {
        int bracket = step.indexOf('[');
        JsonNode n = node.get(bracket < 0 ? step : step.substring(0, bracket));
        while (bracket >= 0) {
            int close = step.indexOf(']', bracket);
            n = n.get(Integer.parseInt(step.substring(bracket + 1, close)));
            bracket = step.indexOf('[', close);
        }
        return n;
    }
}
