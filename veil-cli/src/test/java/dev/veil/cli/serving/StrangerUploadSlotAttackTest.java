package dev.veil.cli.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.servinghttp.UploadAuthorization;
import dev.veil.provider.serving.AttestedInstance;
import dev.veil.provider.serving.ServingClient;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack (stranger on the network, no identity): an EMPTY instance reads one model upload at a time. A stranger who
 * connects first starts an upload to {@code /v1/provision} and sends it slowly, holding that one slot for as long as an
 * upload may take (ten minutes by default, then again), so the model provider's provisioning is answered 503 and the
 * instance never serves. Expected: an upload without the model provider's authorization (its signature over an enclave
 * nonce this instance handed out) is refused at its headers, before its body is read and before it takes the slot;
 * the model provider's honest provisioning succeeds while the stranger tries.
 */
class StrangerUploadSlotAttackTest {
    @Test
    void strangerHoldingTheUploadSlotCannotBlockTheModelProvider(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir); Socket stranger = stalledUpload(f, null)) {
            String answer = answerTo(stranger);
            ServingClient mp = f.client();
            f.provision(mp);   // 503 "another model upload is under way" while the stranger held the slot
            assertThat(answer).as("the stranger's upload, at its headers").startsWith("HTTP/1.1 403");
            assertThat(mp.infer(ServingFixture.DP, ServingFixture.crops(1, 1)).outputsNpz()).isNotEmpty();
        }
    }

    /** The stranger attests (anyone may) and signs its own authorization for the enclave nonce it was handed. */
    @Test
    void strangersOwnSignedUploadAuthorizationCannotHoldTheSlot(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir)) {
            AttestedInstance a = f.client().attestFresh();
            String forged = UploadAuthorization.sign(ServingFixture.STRANGER, f.contract.hash(), a.enclave().instanceKeys(),
                    a.enclaveNonce()).headerValue();
            try (Socket stranger = stalledUpload(f, forged)) {
                String answer = answerTo(stranger);
                f.provision(f.client());
                assertThat(answer).startsWith("HTTP/1.1 403");
                assertThat(answer).contains("not signed by the serving contract's model provider");
            }
        }
    }

    /** An authorization the model provider signed for another instance (another instance's keys) holds no slot here. */
    @Test
    void modelProvidersAuthorizationForAnotherInstanceCannotHoldTheSlot(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir)) {
            AttestedInstance a = f.client().attestFresh();
            String recorded = UploadAuthorization.sign(ServingFixture.MP, f.contract.hash(), a.enclave().instanceKeys(),
                    a.enclaveNonce()).headerValue();
            f.enclave.close();
            f.start(dev.veil.enclave.serving.ServerLimits.defaults());
            f.client().attestFresh();   // the new instance hands out serial 1 too: only its keys tell the two apart
            try (Socket stranger = stalledUpload(f, recorded)) {
                String answer = answerTo(stranger);
                f.provision(f.client());
                assertThat(answer).startsWith("HTTP/1.1 403");
            }
        }
    }

    /**
     * The host (which terminates TLS) or anyone on the wire without TLS copies the model provider's authorization header
     * and replays it, one stalled upload after another, to hold the slot for the nonce's whole lifetime. An authorization
     * is spent as its upload starts: the copy holds the slot once at most.
     */
    @Test
    void copiedUploadAuthorizationHoldsTheSlotOnceAtMost(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir)) {
            AttestedInstance a = f.client().attestFresh();
            String copied = UploadAuthorization.sign(ServingFixture.MP, f.contract.hash(), a.enclave().instanceKeys(),
                    a.enclaveNonce()).headerValue();
            try (Socket first = stalledUpload(f, copied)) {
                assertThat(answerTo(first)).as("the first use, which holds the slot while it stalls").isEmpty();
            }
            try (Socket again = stalledUpload(f, copied)) {
                String answer = answerTo(again);
                assertThat(answer).startsWith("HTTP/1.1 403");
                assertThat(answer).contains("used already");
            }
            f.provision(f.client());
            assertThat(f.client().infer(ServingFixture.DP, ServingFixture.crops(1, 1)).outputsNpz()).isNotEmpty();
        }
    }

    /** Headers for a 64 MiB upload (with {@code authorization} if given), then a little of its body, and no more. */
    private static Socket stalledUpload(ServingFixture f, String authorization) throws Exception {
        Socket s = new Socket("127.0.0.1", f.enclave.port());
        String auth = authorization == null ? "" : UploadAuthorization.HEADER + ": " + authorization + "\r\n";
        s.getOutputStream().write(("POST /v1/provision HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: " + (64 << 20)
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().write(new byte[4096]);
        s.getOutputStream().flush();
        return s;
    }

    /**
     * The server's answer to the stalled upload, or "" when there is none after a few seconds (the upload then holds the
     * slot: Jetty dispatched its headers long before).
     */
    private static String answerTo(Socket s) throws Exception {
        s.setSoTimeout(5000);
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        StringBuilder answer = new StringBuilder();
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                answer.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                if (answer.indexOf("}") >= 0) {
                    break;   // the refusal's JSON body is in
                }
            }
        } catch (SocketTimeoutException held) {
            // no answer: the upload holds the slot
        } catch (java.net.SocketException closed) {
            // answered and closed
        }
        return answer.toString();
    }
}
