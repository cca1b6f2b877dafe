package dev.veil.protocol.serving;

import static dev.veil.protocol.serving.ServingFixture.DP;
import static dev.veil.protocol.serving.ServingFixture.INPUTS;
import static dev.veil.protocol.serving.ServingFixture.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.receipt.FailureCode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The plaintexts inside the encapsulations: one encoding each, nothing before, between or after. */
class ServingMessageStrictnessTest {
    private static final byte[] HASH = new byte[32];
    private static final byte[] SIG = new byte[64];

    private static byte[] header() {
        return Json.canonical(ServingFixture.header(HASH, DP, "ab".repeat(16), NOW, 2));
    }

    @Test
    void wellFormedRequestParses() throws Exception {
        RequestMessage.Parsed p = RequestMessage.parse(RequestMessage.encode(header(), INPUTS, SIG));
        assertThat(p.header().rows()).isEqualTo(2);
        assertThat(p.inputs()).isEqualTo(INPUTS);
    }

    @Test
    void requestWithTrailingBytesOrCutShortIsRefused() {
        byte[] good = RequestMessage.encode(header(), INPUTS, SIG);
        assertThatThrownBy(() -> RequestMessage.parse(Arrays.copyOf(good, good.length + 1))).hasMessageContaining("after its signature");
        for (int cut = 0; cut < good.length; cut += 7) {
            int n = cut;
            assertThatThrownBy(() -> RequestMessage.parse(Arrays.copyOf(good, n))).isInstanceOf(ProtocolException.class);
        }
    }

    @Test
    void requestHeaderNotInCanonicalFormIsRefused() {
        String pretty = new String(header(), StandardCharsets.UTF_8).replaceFirst(",", ", ");
        assertThatThrownBy(() -> RequestMessage.parse(RequestMessage.encode(pretty.getBytes(StandardCharsets.UTF_8), INPUTS, SIG)))
                .hasMessageContaining("not in canonical form");
    }

    @Test
    void requestHeaderWithDuplicateOrMissingFieldsIsRefused() {
        String h = new String(header(), StandardCharsets.UTF_8);
        String dup = h.replaceFirst("\"rows\":2", "\"rows\":2,\"rows\":1");
        assertThatThrownBy(() -> RequestMessage.parse(RequestMessage.encode(dup.getBytes(StandardCharsets.UTF_8), INPUTS, SIG)))
                .hasMessageContaining("duplicate key");
        String noRows = h.replaceFirst(",\"rows\":2", "");
        assertThatThrownBy(() -> RequestMessage.parse(RequestMessage.encode(noRows.getBytes(StandardCharsets.UTF_8), INPUTS, SIG)))
                .hasMessageContaining("serving request is incomplete");
        String v2 = h.replaceFirst("\"veil_serving_request\":1", "\"veil_serving_request\":2");
        assertThatThrownBy(() -> RequestMessage.parse(RequestMessage.encode(v2.getBytes(StandardCharsets.UTF_8), INPUTS, SIG)))
                .hasMessageContaining("version 2 is not supported");
    }

    @Test
    void requestSignatureOfAnotherLengthIsRefused() {
        assertThatThrownBy(() -> RequestMessage.parse(RequestMessage.encode(header(), INPUTS, new byte[63])))
                .hasMessageContaining("expected an Ed25519 signature of 64");
    }

    @Test
    void requestLengthPastTheEndIsRefusedBeforeAllocating() {
        byte[] good = RequestMessage.encode(header(), INPUTS, SIG);
        ByteBuffer.wrap(good).putInt(RequestMessage.MAGIC.length + 4 + header().length, Integer.MAX_VALUE);
        assertThatThrownBy(() -> RequestMessage.parse(good)).hasMessageContaining("runs past its end");
    }

    @Test
    void responseRoundTripsAndRefusesWhatItCannotBe() throws Exception {
        ServingResponse ok = ServingResponse.ok("ab".repeat(16), new byte[] {1}, new byte[] {2});
        assertThat(ServingResponse.parse(ok.encode()).output()).containsExactly(1);
        ServingResponse failed = ServingResponse.failed(null, FailureCode.PEER_PROTOCOL_ERROR, "bad");
        assertThat(ServingResponse.parse(failed.encode()).failure()).isEqualTo(FailureCode.PEER_PROTOCOL_ERROR);

        byte[] encoded = ok.encode();
        assertThatThrownBy(() -> ServingResponse.parse(Arrays.copyOf(encoded, encoded.length + 1))).hasMessageContaining("after its receipt");
        String header = new String(Json.canonical(new ServingResponse.Header(1, "ab".repeat(16), "no_such_code", null)), StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ServingResponse.parse(frame(header, new byte[0]))).hasMessageContaining("neither ok nor a known failure code");
        String failedWithOutput = new String(Json.canonical(new ServingResponse.Header(1, "ab".repeat(16), "inference_failed", null)),
                StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ServingResponse.parse(frame(failedWithOutput, new byte[] {5}))).hasMessageContaining("carries no output");
        String okWithoutId = new String(Json.canonical(new ServingResponse.Header(1, null, "ok", null)), StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ServingResponse.parse(frame(okWithoutId, new byte[0]))).hasMessageContaining("names its request");
    }

    private static byte[] frame(String header, byte[] output) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + 4 + h.length + 4 + output.length + 4).put(ServingResponse.MAGIC).putInt(h.length).put(h)
                .putInt(output.length).put(output).putInt(0).array();
    }
}
