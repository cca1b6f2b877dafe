package dev.veil.enclave.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.veil.enclave.keys.InstanceKeyPairs;
import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.DataKeyChallenge;
import dev.veil.protocol.broker.UnwrapAnswer;
import dev.veil.protocol.broker.UnwrapRequest;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.net.InetSocketAddress;
import java.net.URI;
import org.junit.jupiter.api.Test;

/**
 * Attacker's review (issue 9) of the instance's side of the data-key service, with an impostor broker on a real
 * loopback socket: whoever sits between the instance and the data provider's broker (the hostile host, which carries
 * every byte the instance sends, or anyone who can point the instance's --dp-broker URL elsewhere).
 */
class ImpostorBrokerAttackTest {
    private static final Identity DP = Identity.generate("data-provider", KeyWrapSuite.X25519);
    /** The impostor's own identity: it can sign, but it is not the contract's data provider. */
    private static final Identity IMPOSTOR = Identity.generate("impostor", KeyWrapSuite.X25519);
    private static final String CONTRACT = "ab".repeat(32);

    /**
     * Attack: the impostor answers the instance's unwrap request with a data key of its own choosing, HPKE-sealed to the
     * instance's public key-wrap key with the public info and the request's own signing message as aad (everything it
     * needs is in the request it relays). Expected: refused: the answer must be the data provider's broker's, so it is
     * signed by the contract's data-provider identity (as release answers are) or otherwise authenticated to it.
     * Found: the instance takes the impostor's key as the data key. Why it matters: with Parquet Modular Encryption the
     * data key is what authenticates the dataset; the host, which also holds the encrypted Parquet files, can then
     * encrypt a dataset of its own under its own data key and have the instance run the model over it as the data
     * provider's (results, receipts and commitments then describe data the data provider never sent).
     */
    @Test
    void dataKeyFromAnImpostorBrokerIsRefused() throws Exception {
        byte[] chosen = new byte[16];
        java.util.Arrays.fill(chosen, (byte) 0x41);
        HttpServer impostor = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        servesDataKeyChallenges(impostor);
        impostor.createContext(BrokerMessages.UNWRAP, x -> {
            try {
                UnwrapRequest r = BrokerMessages.unwrapRequest(x.getRequestBody().readAllBytes());
                Hpke.Sealed sealed = Hpke.seal(r.instance().instanceKeys().keyWrapSuite(), r.instance().instanceKeys().keyWrapKey(),
                        UnwrapRequest.answerInfo(), r.signingMessage(), chosen);
                byte[] body = Json.canonical(new UnwrapAnswer(sealed.enc(), sealed.ciphertext(), IMPOSTOR.sign(
                        UnwrapAnswer.signingMessage(r.signingMessage(), sealed.enc(), sealed.ciphertext()))));
                x.getResponseHeaders().add("Content-Type", "application/json");
                x.sendResponseHeaders(200, body.length);
                x.getResponseBody().write(body);
            } catch (Exception e) {
                x.sendResponseHeaders(500, -1);
            } finally {
                x.close();
            }
        });
        impostor.start();
        try (InstanceKeyPairs keys = new InstanceKeyPairs(KeyWrapSuite.X25519)) {
            BrokerDataKeys client = new BrokerDataKeys(URI.create("http://127.0.0.1:" + impostor.getAddress().getPort() + "/"),
                    CONTRACT, keys, DP.publicIdentity());
            byte[] got = null;
            try {
                got = client.unwrap("dataset", "v1:" + "A".repeat(80));
            } catch (BrokerRefused refused) {
                assertThat(refused.reason()).as(refused.getMessage()).isEqualTo("bad_answer");
                return;   // the attack is off
            }
            assertThat(got).as("the instance took the impostor's data key").isNotEqualTo(chosen);
        } finally {
            impostor.stop(0);
        }
    }

    /** The impostor hands out data-key challenges as a broker does, so the instance's request reaches it. */
    private static void servesDataKeyChallenges(HttpServer impostor) {
        impostor.createContext(BrokerMessages.DATA_KEY_CHALLENGE, x -> {
            byte[] nonce = new byte[32];
            new java.security.SecureRandom().nextBytes(nonce);
            byte[] body = Json.canonical(new DataKeyChallenge(nonce, 0));
            x.getRequestBody().readAllBytes();
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
    }

    /** The instance's refusal of a broker that answers with a body over its bound (holds). */
    @Test
    void oversizedAnswerFromAnImpostorBrokerIsRefused() throws Exception {
        HttpServer impostor = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        servesDataKeyChallenges(impostor);
        impostor.createContext(BrokerMessages.UNWRAP, x -> {
            byte[] huge = new byte[1 << 20];
            java.util.Arrays.fill(huge, (byte) ' ');
            x.sendResponseHeaders(200, huge.length);
            try {
                x.getResponseBody().write(huge);
            } catch (java.io.IOException closedEarly) {
                // the instance stopped reading at its bound: what this test wants
            }
            x.close();
        });
        impostor.start();
        try (InstanceKeyPairs keys = new InstanceKeyPairs(KeyWrapSuite.X25519)) {
            BrokerDataKeys client = new BrokerDataKeys(URI.create("http://127.0.0.1:" + impostor.getAddress().getPort() + "/"),
                    CONTRACT, keys, DP.publicIdentity());
            assertThatThrownBy(() -> client.unwrap("dataset", "v1:" + "A".repeat(80))).isInstanceOf(BrokerRefused.class)
                    .hasMessageContaining("over");
        } finally {
            impostor.stop(0);
        }
    }
}
