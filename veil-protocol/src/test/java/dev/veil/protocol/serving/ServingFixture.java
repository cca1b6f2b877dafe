package dev.veil.protocol.serving;

import dev.veil.attest.Platform;
import dev.veil.protocol.TestParties;
import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.HpkeExport;
import dev.veil.protocol.keyrelease.KemKeyPair;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** A model provider, data providers, a serving contract between them and enclave instances, for tests. */
final class ServingFixture {
    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    static final Identity MP = Identity.generate("model-provider", KeyWrapSuite.X25519);
    static final Identity DP = Identity.generate("data-provider", KeyWrapSuite.X25519);
    static final Identity OTHER_DP = Identity.generate("other-data-provider", KeyWrapSuite.MLKEM768_X25519);
    static final byte[] INPUTS = "PK\u0003\u0004 stand-in for the .npz of one request".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

    private ServingFixture() {
    }

    /** An enclave instance: its published keys and the key-wrap key pair only it holds. */
    record Instance(InstanceKeys keys, KemKeyPair keyWrap) {
        static Instance generate(KeyWrapSuite suite) {
            Identity signing = Identity.generate("instance", KeyWrapSuite.X25519);
            KemKeyPair kem = KemKeyPair.generate(suite);
            return new Instance(new InstanceKeys(signing.publicIdentity().signingKey(), suite, kem.publicKey()), kem);
        }
    }

    static ServingContract contract(KeyWrapSuite suite, DataProviderAccess access) {
        return ServingContract.draft(new ModelTerms("cd".repeat(32), "test model", TestParties.SIGNATURE), MP.publicIdentity(),
                new EnclavePolicy(Platform.SIM, List.of(TestParties.MEASUREMENT), false, true), suite, OutputPolicy.scores(),
                access, new ServingBudget(10_000L, 1_000_000L), new ServingLimits(256, 60), NOW.plus(Duration.ofDays(7)));
    }

    static ServingContractVerifier.Verified verified(KeyWrapSuite suite, DataProviderAccess access) throws ProtocolException {
        return ServingContractVerifier.verify(SignedServingContract.unsigned(contract(suite, access)).signedBy(MP), NOW);
    }

    static ServingContractVerifier.Verified verified(KeyWrapSuite suite) throws ProtocolException {
        return verified(suite, DataProviderAccess.only(List.of(DP.publicIdentity())));
    }

    /** Builds a request's plaintext once its encapsulation's {@code enc} is known. */
    interface Plaintext {
        byte[] make(byte[] enc);
    }

    /**
     * Seals any plaintext to {@code to} as a client would, for attacks by someone who holds a request's plaintext
     * (the data provider itself, or a leak) and re-encapsulates it, altered or not.
     */
    static byte[] encapsulate(InstanceKeys to, byte[] contractHash, Plaintext plaintext) throws ProtocolException {
        HpkeExport.Sender sender = HpkeExport.sender(to.keyWrapSuite(), to.keyWrapKey(), ObliviousEncapsulation.requestInfo(contractHash));
        byte[] enc = sender.enc();
        byte[] ct = sender.seal(new byte[0], plaintext.make(enc));
        byte[] out = java.util.Arrays.copyOf(enc, enc.length + ct.length);
        System.arraycopy(ct, 0, out, enc.length, ct.length);
        return out;
    }

    /** A request's plaintext signed by {@code signer}, made for {@code signedFor} instance keys and {@code signedEnc}. */
    static byte[] plaintext(byte[] contractHash, ServingRequest header, Identity signer, InstanceKeys signedFor, byte[] signedEnc,
                            byte[] inputs) {
        byte[] headerBytes = dev.veil.protocol.json.Json.canonical(header);
        byte[] sig = signer.sign(RequestMessage.signingMessage(contractHash, signedFor.digest(), signedEnc, headerBytes, inputs));
        return RequestMessage.encode(headerBytes, inputs, sig);
    }

    static ServingRequest header(byte[] contractHash, Identity dp, String requestId, Instant createdAt, long rows) {
        return new ServingRequest(ServingRequest.VERSION, dev.veil.protocol.json.Digests.hex(contractHash), dp.publicIdentity(),
                requestId, createdAt.toString(), rows);
    }
}
