package dev.veil.protocol.results;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.binding.EvidenceBinding;
import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.keyrelease.KeyReleaseTranscript;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.receipt.DiscardReceipt;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.protocol.receipt.ResultCommitments;
import dev.veil.protocol.receipt.ResultReceipt;
import dev.veil.protocol.receipt.SignedReceipt;
import dev.veil.protocol.wire.FrameChannel;
import dev.veil.protocol.wire.Message;
import dev.veil.protocol.wire.Messages;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Known-answer vectors for every labelled digest, signature input and wire message this part of the protocol defines,
 * from fixed inputs, against src/test/resources/vectors/protocol-v1.txt. A refactor that changes a label, a field
 * name, an order or a framing byte changes the wire format, and this test says which vector moved. The contract's own
 * encoding and signatures are pinned by the contract's tests, not here.
 */
class ProtocolVectorsTest {
    static byte[] fill(int n, int start) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (start + i);
        }
        return b;
    }

    static final byte[] CONTRACT_HASH = fill(32, 0x01);
    static final byte[] PROVIDER_NONCE = fill(32, 0x40);
    static final byte[] ENCLAVE_NONCE = fill(32, 0x80);
    static final byte[] EVIDENCE = fill(48, 0xa0);
    static final InstanceKeys KEYS = new InstanceKeys(fill(44, 0x10), KeyWrapSuite.X25519, fill(32, 0x30));
    static final byte[] SALT = fill(32, 0xc0);
    static final byte[] SIGNING_SEED = fill(32, 0x55);

    static Map<String, String> compute() throws Exception {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("instance_keys.digest", hex(KEYS.digest()));
        v.put("evidence_binding.report_data", hex(EvidenceBinding.reportData(PROVIDER_NONCE, CONTRACT_HASH, KEYS)));
        KeyReleaseTranscript t = new KeyReleaseTranscript(CONTRACT_HASH, Role.DATA_PROVIDER, PROVIDER_NONCE, ENCLAVE_NONCE,
                Digests.sha256(EVIDENCE), KEYS);
        v.put("key_release.context", hex(t.context()));
        v.put("key_release.hpke_info", hex(t.hpkeInfo()));
        v.put("key_release.signing_message", hex(t.signingMessage(fill(32, 0x01), fill(48, 0x02))));

        DiscardReceipt discard = new DiscardReceipt(hex(CONTRACT_HASH), "ab".repeat(32), DiscardReceipt.failed(FailureCode.TIMEOUT),
                List.of("onnx runtime session closed", "asset keys zeroed"), "2026-01-02T03:04:05Z", hex(Digests.sha256(EVIDENCE)));
        ResultReceipt result = new ResultReceipt(hex(CONTRACT_HASH), "ab".repeat(32),
                ResultCommitments.input(SALT, Digests.sha256("in".getBytes(StandardCharsets.US_ASCII))),
                ResultCommitments.output(SALT, "3\n1\n4\n".getBytes(StandardCharsets.US_ASCII)), "labels",
                hex(Digests.sha256(EVIDENCE)), "2026-01-02T03:04:05Z");
        v.put("result_commitments.input", result.inputCommitment());
        v.put("result_commitments.output", result.outputCommitment());
        byte[] discardPayload = Json.canonical(discard);
        byte[] resultPayload = Json.canonical(result);
        v.put("discard_receipt.payload", hex(discardPayload));
        v.put("discard_receipt.signing_message", hex(SignedReceipt.signingMessage(DiscardReceipt.KIND, discardPayload)));
        v.put("result_receipt.payload", hex(resultPayload));
        v.put("result_receipt.signing_message", hex(SignedReceipt.signingMessage(ResultReceipt.KIND, resultPayload)));
        byte[] signature = sign(SignedReceipt.signingMessage(ResultReceipt.KIND, resultPayload));
        v.put("result_receipt.ed25519_signature", hex(signature));

        v.put("sealed_results.magic", hex(SealedResults.MAGIC));
        v.put("sealed_results.hpke_info", hex(SealedResults.info(CONTRACT_HASH)));
        v.put("sealed_results.aad", hex(SealedResults.aad(hex(CONTRACT_HASH), "abcd-ef01-2345-6789-abcd")));
        v.put("sealed_results.envelope", hex(Json.canonical(new SealedResults.Envelope(hex(CONTRACT_HASH), "abcd-ef01-2345-6789-abcd",
                KeyWrapSuite.X25519, fill(32, 0x01), fill(80, 0x02)))));
        v.put("failure_detail.hpke_info", hex(FailureDetail.info(CONTRACT_HASH)));
        v.put("failure_detail.aad", hex(FailureDetail.aad(Role.DATA_PROVIDER, "abcd-ef01-2345-6789-abcd")));

        SignedReceipt signed = new SignedReceipt(ResultReceipt.KIND, resultPayload, signature, dev.veil.attest.Platform.SIM, EVIDENCE, List.of(fill(4, 0x70)),
                PROVIDER_NONCE, KEYS);
        SessionContract katContract;
        try (InputStream in = ProtocolVectorsTest.class.getResourceAsStream("/kat/contract-v3.canonical.json")) {
            katContract = Json.parse(in.readAllBytes(), SessionContract.class, "kat contract");
        }
        v.put("frame.hello", hex(frames(new Messages.Hello(Role.DATA_PROVIDER, SignedContract.unsigned(katContract), PROVIDER_NONCE))));
        v.put("frame.evidence", hex(frames(new Messages.EvidenceOffer(dev.veil.attest.Platform.SIM, EVIDENCE, List.of(fill(4, 0x70)), KEYS, ENCLAVE_NONCE))));
        v.put("frame.key_release", hex(frames(new Messages.KeyRelease(fill(32, 0x01), fill(48, 0x02), fill(64, 0x03)))));
        v.put("frame.asset_upload", hex(frames(new Messages.AssetUpload("dataset", 1234))));
        v.put("frame.accepted", hex(frames(new Messages.Accepted("asset", "sealed asset held in enclave memory"))));
        v.put("frame.result", hex(frames(new Messages.ResultReady(signed, 99))));
        v.put("frame.discarded", hex(frames(new Messages.DiscardNotice(signed))));
        v.put("frame.failure", hex(frames(new Messages.Failure(FailureCode.DATASET_INVALID, FailureCode.DATASET_INVALID.description(),
                fill(8, 0x09)))));
        Messages.Failure failure = new Messages.Failure(FailureCode.INFERENCE_FAILED, FailureCode.INFERENCE_FAILED.description(),
                fill(8, 0x09));
        v.put("failure_signature.signing_message", hex(dev.veil.protocol.wire.FailureSignature.signingMessage(CONTRACT_HASH,
                Role.DATA_PROVIDER, failure)));
        v.put("frame.data", hex(dataFrames(fill(5, 0x61))));
        return v;
    }

    @Test
    void everyLabelledDigestSignatureInputAndWireFrameMatchesItsCommittedVector() throws Exception {
        Map<String, String> expected = new LinkedHashMap<>();
        try (InputStream in = ProtocolVectorsTest.class.getResourceAsStream("/vectors/protocol-v1.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    String[] kv = line.split(" ", 2);
                    expected.put(kv[0], kv[1].strip());
                }
            }
        }
        Map<String, String> actual = compute();
        StringBuilder now = new StringBuilder();
        actual.forEach((k, val) -> now.append(k).append(' ').append(val).append('\n'));
        assertThat(actual).as("vectors as computed now:\n" + now).isEqualTo(expected);
    }

    private static byte[] sign(byte[] message) throws Exception {
        var key = KeyFactory.getInstance("Ed25519").generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, SIGNING_SEED));
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(key);
        s.update(message);
        return s.sign();
    }

    private static byte[] frames(Message m) throws Exception {
        return capture(ch -> ch.send(m));
    }

    private static byte[] dataFrames(byte[] data) throws Exception {
        return capture(ch -> ch.sendData(data));
    }

    private interface Sending {
        void send(FrameChannel ch) throws Exception;
    }

    /** The bytes a FrameChannel puts on a real socket. */
    private static byte[] capture(Sending sending) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept()) {
                    return s.getInputStream().readAllBytes();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (FrameChannel ch = new FrameChannel(new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort()))) {
                sending.send(ch);
            }
            return received.get();
        }
    }

    private static String hex(byte[] b) {
        return Digests.hex(b);
    }
}
