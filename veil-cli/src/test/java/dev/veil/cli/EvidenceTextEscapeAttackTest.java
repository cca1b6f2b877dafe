package dev.veil.cli;

import static dev.veil.cli.CliTest.veil;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evidence is host-controlled bytes, read before anything in it is verified. A Nitro attestation document whose
 * {@code digest} text string holds a newline and a terminal escape is refused, but the refusal quotes the string
 * verbatim ("attestation document digest is &lt;text&gt;, expected SHA384"), and the CLI prints it as is: the host writes
 * lines of its choosing (here a fake success line, after clearing the screen) into the provider's terminal. The same
 * message reaches a provider running 'veil join' against a host that sends such evidence. The failure text of the
 * enclave is escaped for exactly this reason (FailureTextEscapeTest); the evidence's own text is not.
 *
 * <p>Expected: exit 2 and one line, with control characters escaped.
 */
class EvidenceTextEscapeAttackTest {
    @TempDir
    Path dir;

    static byte[] nitroDocumentWithDigest(String digest) throws Exception {
        CBORMapper cbor = new CBORMapper();
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode header = f.objectNode().put("1", -35);
        ObjectNode payload = f.objectNode().put("module_id", "i-0123456789abcdef0-enc0123456789abcdef").put("digest", digest);
        ArrayNode cose = f.arrayNode().add(cbor.writeValueAsBytes(header)).add(f.objectNode())
                .add(cbor.writeValueAsBytes(payload)).add(new byte[96]);
        return cbor.writeValueAsBytes(cose);
    }

    @Test
    void hostTextInEvidenceCannotForgeLinesOrEscapesInTheProvidersTerminal() throws Exception {
        Path evidence = Files.write(dir.resolve("nitro.cbor"),
                nitroDocumentWithDigest("SHA384\n\u001b[2Jveil: evidence verified, releasing key"));
        CliTest.Result r = veil("attest", "verify", "--platform", "nitro", "--evidence", evidence.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).as("the refusal as printed").contains("digest").doesNotContain("\u001b");
        assertThat(r.err().strip().lines()).as("the refusal as printed").hasSize(1);
    }
}
