package dev.veil.provider;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.Simulation;
import dev.veil.attest.VerificationOptions;
import dev.veil.protocol.binding.EnclaveAppraisal;
import dev.veil.protocol.binding.EvidenceBinding;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.AssetKeyWrap;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.keyrelease.KeyReleaseTranscript;
import dev.veil.protocol.receipt.DiscardReceipt;
import dev.veil.protocol.receipt.ReceiptVerifier;
import dev.veil.protocol.receipt.ResultCommitments;
import dev.veil.protocol.receipt.ResultReceipt;
import dev.veil.protocol.receipt.SignedReceipt;
import dev.veil.protocol.results.FailureDetail;
import dev.veil.protocol.results.SealedResults;
import dev.veil.protocol.wire.FailureSignature;
import dev.veil.protocol.wire.FrameChannel;
import dev.veil.protocol.wire.Message;
import dev.veil.protocol.wire.Messages;
import dev.veil.protocol.wire.PeerFailure;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One provider's side of the ceremony over one connection: challenge the enclave with a fresh nonce, appraise its
 * evidence against the contract, release the asset key only to the attested instance, upload the sealed asset, and
 * collect (and verify) the result or the discard receipt. Provider code never sees enclave internals: everything it
 * trusts comes from verified evidence and signatures.
 */
public final class ProviderSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProviderSession.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Identity identity;
    private final Role role;
    private final SignedContract signedContract;
    private final ContractVerifier.Verified contract;
    private final FrameChannel channel;
    private final byte[] nonce = new byte[EvidenceBinding.NONCE_LENGTH];
    private AttestedEnclave attested;
    private byte[] enclaveNonce;
    private byte[] uploadedSha256;

    private ProviderSession(Identity identity, Role role, SignedContract signedContract, FrameChannel channel)
            throws ProtocolException, IOException {
        this.identity = identity;
        this.role = role;
        this.signedContract = signedContract;
        this.contract = ContractVerifier.verify(signedContract, Instant.now());
        if (!contract.contract().party(role).sameKeysAs(identity.publicIdentity())) {
            throw new ProtocolException("identity " + identity.publicIdentity() + " is not the contract's " + role);
        }
        this.channel = channel;
        // The enclave answers the result only after the run, which the contract lets last max_inference_seconds.
        channel.setReadTimeout(Duration.ofMinutes(30).plusSeconds(contract.contract().limits().maxInferenceSeconds()));
    }

    public static ProviderSession connect(Identity identity, Role role, SignedContract contract, String host, int port)
            throws IOException, ProtocolException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(host, port), 10_000);
        try {
            return new ProviderSession(identity, role, contract, new FrameChannel(s));
        } catch (ProtocolException | IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Steps 2–4: challenge, receive evidence, appraise it against the contract. */
    public AttestedEnclave attest(VerificationOptions options) throws IOException, ProtocolException, AttestationException {
        return attest(options, TrustedCollateral.NONE);
    }

    /** As {@link #attest(VerificationOptions)}, adding this provider's own collateral for the evidence received. */
    public AttestedEnclave attest(VerificationOptions options, TrustedCollateral own) throws IOException, ProtocolException, AttestationException {
        RANDOM.nextBytes(nonce);
        channel.send(new Messages.Hello(role, signedContract, nonce));
        Messages.EvidenceOffer offer = receive(Messages.EvidenceOffer.class);
        if (offer.platform() == null || offer.evidence() == null || offer.instanceKeys() == null || offer.enclaveNonce() == null
                || offer.enclaveNonce().length != EvidenceBinding.NONCE_LENGTH) {
            throw new ProtocolException("enclave's evidence message is incomplete");
        }
        Claims claims = EnclaveAppraisal.appraise(contract, offer.platform(), offer.evidence(), nonce, offer.instanceKeys(),
                own.addTo(options, offer.platform(), offer.evidence(), offer.collateral()).withEvidenceCollateral(offer.collateral()));
        if (claims.simulated()) {
            LOG.warn(Simulation.ONE_LINE);
        }
        this.enclaveNonce = offer.enclaveNonce().clone();
        this.attested = new AttestedEnclave(claims, offer.instanceKeys(), offer.evidence(), offer.platform());
        return attested;
    }

    /** Step 5: the asset key, HPKE-sealed to the attested instance key and signed by this provider. */
    public void releaseKey(AssetKey key) throws IOException, ProtocolException {
        if (attested == null) {
            throw new IllegalStateException("attest the enclave before releasing a key");
        }
        KeyReleaseTranscript t = new KeyReleaseTranscript(contract.hash(), role, nonce, enclaveNonce,
                Digests.sha256(attested.evidence()), attested.instanceKeys());
        Hpke.Sealed sealed = AssetKeyWrap.wrap(key, new byte[0], attested.instanceKeys().keyWrapSuite(),
                attested.instanceKeys().keyWrapKey(), t.hpkeInfo(), t.context());
        channel.send(new Messages.KeyRelease(sealed.enc(), sealed.ciphertext(), identity.sign(t.signingMessage(sealed.enc(), sealed.ciphertext()))));
        receive(Messages.Accepted.class);
    }

    /** Step 7: the sealed asset; the enclave checks its header against the released key and the contract. */
    public void upload(byte[] sealedAsset) throws IOException, ProtocolException {
        upload(SealedAsset.of(sealedAsset));
    }

    /**
     * Step 7, streamed: the enclave checks the header against the released key and the contract, and a dataset streams
     * through the model as it arrives. If the enclave stops reading and refuses, its refusal is what is thrown.
     */
    public void upload(SealedAsset asset) throws IOException, ProtocolException {
        ContentType type = role == Role.MODEL_PROVIDER ? ContentType.MODEL : ContentType.DATASET;
        uploadedSha256 = asset.header().plaintextSha256();
        channel.send(new Messages.AssetUpload(type.label(), asset.size()));
        try (InputStream in = asset.open()) {
            channel.sendData(in, asset.size());
        } catch (IOException sendFailed) {
            // The enclave may have refused and closed: its signed refusal, if it can still be read, says why.
            try {
                receive(Messages.Accepted.class);
            } catch (ProtocolException refusal) {
                throw refusal;
            } catch (IOException | RuntimeException ignored) {
                throw sendFailed;
            }
            throw sendFailed;
        }
        receive(Messages.Accepted.class);
    }

    /**
     * Receives the next message; the enclave's refusal becomes a ProtocolException naming its code and, when the
     * enclave sealed a detail to this provider, that detail (only this provider can read it). Once this provider has
     * attested the enclave, a failure counts as the enclave's only if the attested instance key signed it: anyone on
     * the path can seal text to this provider's public key, so an unsigned or badly signed failure is shown as
     * unauthenticated, with its fixed code description only. Text shown has its control characters escaped.
     */
    private <T extends Message> T receive(Class<T> expected) throws IOException, ProtocolException {
        try {
            return channel.receive(expected);
        } catch (PeerFailure f) {
            if (attested != null && !FailureSignature.verifies(f.message(), contract.hash(), role, attested.instanceKeys().signingKey())) {
                throw new ProtocolException("a failure (" + f.code() + ": " + f.code().description() + ") arrived that the attested "
                        + "enclave did not sign: unauthenticated, the host or the network may have written it; its text is not shown");
            }
            throw new ProtocolException("enclave refused (" + f.code() + "): " + escape(detailOf(f)));
        }
    }

    private String detailOf(PeerFailure f) {
        if (f.sealedDetail().isEmpty()) {
            return f.reason();
        }
        try {
            return FailureDetail.open(f.sealedDetail().get(), identity, role, contract.hash());
        } catch (ProtocolException e) {
            return f.reason() + " (its sealed detail does not open with this identity)";
        }
    }

    /** Control characters (line breaks, terminal escapes) become a backslash, u and four hex digits, so peer text cannot forge output lines. */
    static String escape(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                sb.append(String.format("\\u%04x", c));
            } else {
                sb.appendCodePoint(c);
            }
        });
        return sb.toString();
    }

    /**
     * The data provider's outcome: verified receipt, the opened output (null when it was streamed to the caller's
     * sink), and the salt that opens the receipt's commitments (to show a third party that a file is the committed
     * output). {@code rows} is the output's row count, which travels sealed with the results (never in the receipt,
     * which is in the clear); {@code sealedSize} is the size of the sealed results, which the host sees.
     */
    public record Result(ResultReceipt receipt, SignedReceipt signedReceipt, long sealedSize, byte[] output,
                         byte[] commitmentSalt, long rows) {
    }

    /** Step 9 for the data provider: receive the sealed results into memory, verify the receipt, open and check the output. */
    public Result awaitResult() throws IOException, ProtocolException {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Result r = awaitResult(output);
        return new Result(r.receipt(), r.signedReceipt(), r.sealedSize(), output.toByteArray(), r.commitmentSalt(), r.rows());
    }

    /**
     * Step 9, streamed: the receipt is verified first, then the sealed results are opened as they arrive and the output
     * written to {@code output} (memory stays bounded whatever its size). Only a normal return vouches for what was
     * written: on an exception the caller discards it (e.g. an uncommitted {@code AtomicOutput}).
     */
    public Result awaitResult(OutputStream output) throws IOException, ProtocolException {
        requireRole(Role.DATA_PROVIDER);
        if (uploadedSha256 == null) {
            throw new IllegalStateException("upload the dataset before awaiting the result");
        }
        Messages.ResultReady ready = receive(Messages.ResultReady.class);
        ResultReceipt receipt = ReceiptVerifier.verifyResult(ready.receipt(), contract);
        requireSameInstance(ready.receipt());
        if (ready.sealedSize() < 0) {
            throw new ProtocolException("the enclave announced results of " + ready.sealedSize() + " bytes");
        }
        InputStream data = channel.dataInput(ready.sealedSize());
        SealedResults.OpenedStream opened = SealedResults.open(data, identity, output);
        if (data.read() >= 0) {
            throw new ProtocolException("the enclave sent bytes after its sealed results");
        }
        if (!ResultCommitments.matches(opened.outputCommitment(), receipt.outputCommitment())) {
            throw new ProtocolException("opened output does not match the receipt's output commitment");
        }
        if (!ResultCommitments.matches(ResultCommitments.input(opened.commitmentSalt(), uploadedSha256), receipt.inputCommitment())) {
            throw new ProtocolException("the receipt's input commitment is not to the dataset this provider uploaded");
        }
        return new Result(receipt, ready.receipt(), ready.sealedSize(), null, opened.commitmentSalt(), opened.rows());
    }

    /** The model provider's outcome: the verified discard receipt and its signed form (to keep or show others). */
    public record Discard(DiscardReceipt receipt, SignedReceipt signed) {
    }

    /** Step 10 for the model provider: receive and verify the discard receipt. */
    public Discard awaitDiscard() throws IOException, ProtocolException {
        requireRole(Role.MODEL_PROVIDER);
        SignedReceipt r = receive(Messages.DiscardNotice.class).receipt();
        DiscardReceipt d = ReceiptVerifier.verifyDiscard(r, contract);
        requireSameInstance(r);
        return new Discard(d, r);
    }

    public ContractVerifier.Verified contract() {
        return contract;
    }

    private void requireSameInstance(SignedReceipt r) throws ProtocolException {
        if (!Arrays.equals(r.instanceKeys().digest(), attested.instanceKeys().digest())) {
            throw new ProtocolException("receipt is signed by another enclave instance than the one this provider attested");
        }
    }

    private void requireRole(Role expected) {
        if (role != expected) {
            throw new IllegalStateException("only the " + expected + " receives this");
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
