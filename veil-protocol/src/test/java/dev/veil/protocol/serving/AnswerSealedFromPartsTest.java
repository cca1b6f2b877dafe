package dev.veil.protocol.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * An answer sealed from its parts (framing and header, the output as the model's {@code .npz} bytes, the receipt),
 * without joining them, is byte for byte the answer sealed whole, and it parses back to the same output and receipt;
 * the parts go through the same checks as an answer built whole.
 */
class AnswerSealedFromPartsTest {
    private static final String REQUEST_ID = "0f".repeat(16);

    @Test
    void anAnswerSealedFromItsPartsEqualsTheAnswerSealedWhole() throws Exception {
        byte[] secret = new byte[32];
        byte[] enc = new byte[1120];
        new Random(1).nextBytes(secret);
        new Random(2).nextBytes(enc);
        ResponseSecret s = ResponseSecret.veil(secret, enc);
        byte[] nonce = new byte[s.responseNonceLength()];
        new Random(3).nextBytes(nonce);
        int p = ResponseSecret.SEAL_PIECE;
        for (int size : new int[] {0, 1, p - 40, p, 3 * p + 5, 1_573_132}) {
            byte[] output = new byte[size];
            new Random(size).nextBytes(output);
            byte[] receipt = ("{\"receipt\":" + size + "}").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            byte[] fromParts = s.seal(nonce, ServingResponse.encodeOk(REQUEST_ID, output, receipt));
            assertThat(fromParts).as("size %d", size).isEqualTo(s.seal(nonce, ServingResponse.ok(REQUEST_ID, output, receipt).encode()));
            ServingResponse opened = ServingResponse.parse(s.open(fromParts));
            assertThat(opened.output()).isEqualTo(output);
            assertThat(opened.receipt()).isEqualTo(receipt);
            assertThat(opened.requestId()).isEqualTo(REQUEST_ID);
        }
    }

    @Test
    void aParsedAnswerHandsOutItsOutputAsACopy() throws Exception {
        byte[] output = {1, 2, 3, 4};
        ServingResponse parsed = ServingResponse.parse(ServingResponse.ok(REQUEST_ID, output, new byte[] {9}).encode());
        byte[] first = parsed.output();
        first[0] = 42;
        assertThat(parsed.output()).containsExactly(1, 2, 3, 4);
        assertThat(parsed.receipt()).containsExactly(9);
    }

    @Test
    void partsOfAnAnswerWithoutAValidRequestIdAreRefused() {
        assertThatThrownBy(() -> ServingResponse.encodeOk(null, new byte[1], new byte[1])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ServingResponse.encodeOk("XYZ", new byte[1], new byte[1])).isInstanceOf(IllegalArgumentException.class);
    }
}
