package dev.veil.protocol.results;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.wire.Message;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 7, "Known-answer vectors for every labelled digest, signature input and wire message": the committed
 * protocol vectors pin every wire message's frame except the first one each provider sends, the hello (role, signed
 * contract, nonce). A refactor of its encoding (a renamed field, another nonce encoding) would pass every test and
 * break every deployed peer. Expected: a {@code frame.hello} vector, and one {@code frame.*} vector per message type.
 */
class WireVectorCoverageTest {
    @Test
    void everyWireMessageHasACommittedFrameVector() throws Exception {
        List<String> frames;
        try (InputStream in = WireVectorCoverageTest.class.getResourceAsStream("/vectors/protocol-v1.txt")) {
            frames = Arrays.stream(new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n"))
                    .filter(l -> l.startsWith("frame.") && !l.startsWith("frame.data "))
                    .map(l -> l.substring(0, l.indexOf(' '))).toList();
        }
        int messageTypes = Message.class.getPermittedSubclasses().length;
        assertThat(frames).contains("frame.hello");
        assertThat(frames).hasSize(messageTypes);
    }
}
