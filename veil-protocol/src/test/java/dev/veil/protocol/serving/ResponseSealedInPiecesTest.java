package dev.veil.protocol.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.json.ProtocolException;
import java.util.Arrays;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * A response sealed in {@link ResponseSecret#SEAL_PIECE}-byte pieces is byte for byte the RFC 9458 encapsulation that
 * one AES-GCM call over the whole response gives (RFC 9458's own vector covers a response shorter than one piece), for
 * sizes around the piece boundaries; it opens, and one flipped bit anywhere refuses it.
 */
class ResponseSealedInPiecesTest {
    private static final byte[] SECRET = new byte[32];
    private static final byte[] ENC = new byte[1120];

    static {
        new Random(7).nextBytes(SECRET);
        new Random(8).nextBytes(ENC);
    }

    @Test
    void sealedInPiecesEqualsOneCallOverTheWholeResponse() throws Exception {
        ResponseSecret s = ResponseSecret.veil(SECRET, ENC);
        byte[] nonce = new byte[s.responseNonceLength()];
        new Random(9).nextBytes(nonce);
        int p = ResponseSecret.SEAL_PIECE;
        for (int size : new int[] {0, 1, p - 1, p, p + 1, 3 * p, 3 * p + 17, 1_572_864 + 123}) {
            byte[] response = new byte[size];
            new Random(size).nextBytes(response);
            byte[] sealed = s.seal(nonce, response);
            assertThat(sealed).as("size %d", size).isEqualTo(oneCall(s, nonce, response));
            assertThat(s.open(sealed)).isEqualTo(response);
        }
    }

    /**
     * Sealed in two steps (the output first, on another thread, the receipt once made), with more room than the receipt
     * needs or less: the same bytes as one call over the whole answer.
     */
    @Test
    void answerSealedInTwoStepsEqualsOneCallOverTheWholeAnswer() throws Exception {
        ResponseSecret s = ResponseSecret.veil(SECRET, ENC);
        byte[] nonce = new byte[s.responseNonceLength()];
        new Random(10).nextBytes(nonce);
        byte[] output = new byte[1_572_864 + 5];
        new Random(11).nextBytes(output);
        byte[] receipt = new byte[2000];
        new Random(12).nextBytes(receipt);
        String id = "0f".repeat(16);
        byte[] whole = ServingResponse.ok(id, output, receipt).encode();
        for (int room : new int[] {0, 1999, 2004, 16 * 1024}) {
            ResponseSecret.Sealing sealing = s.begin(nonce, java.util.List.of(ServingResponse.okBeforeOutput(id, output.length), output),
                    room);
            Thread t = new Thread(sealing::sealFirst);
            t.start();
            t.join();
            SealedAnswer answer = sealing.finish(ServingResponse.okAfterOutput(receipt));
            assertThat(answer.toArray()).as("room %d", room).isEqualTo(oneCall(s, nonce, whole));
            assertThat(ServingResponse.parse(s.open(answer.toArray())).receipt()).isEqualTo(receipt);
        }
    }

    @Test
    void aFlippedBitInAResponseSealedInPiecesIsRefused() {
        ResponseSecret s = ResponseSecret.veil(SECRET, ENC);
        byte[] sealed = s.seal(new byte[3 * ResponseSecret.SEAL_PIECE + 5]);
        for (int at : new int[] {s.responseNonceLength() + 1, s.responseNonceLength() + ResponseSecret.SEAL_PIECE + 3, sealed.length - 1}) {
            byte[] altered = sealed.clone();
            altered[at] ^= 1;
            assertThatThrownBy(() -> s.open(altered)).isInstanceOf(ProtocolException.class).hasMessageContaining("altered");
        }
    }

    /** RFC 9458 §4.4 with one AES-GCM call: response_nonce ‖ Seal(key, nonce, "", response). */
    private static byte[] oneCall(ResponseSecret s, byte[] responseNonce, byte[] response) throws Exception {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(s.derive(responseNonce, "key", 32), "AES"),
                new GCMParameterSpec(128, s.derive(responseNonce, "nonce", 12)));
        byte[] ct = c.doFinal(response);
        byte[] out = Arrays.copyOf(responseNonce, responseNonce.length + ct.length);
        System.arraycopy(ct, 0, out, responseNonce.length, ct.length);
        return out;
    }
}
