package dev.veil.provider.broker;

import dev.veil.attest.Platform;
import dev.veil.attest.sim.SimFirmware;
import dev.veil.protocol.binding.EvidenceBinding;
import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.keyrelease.KemKeyPair;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.wire.Messages;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.util.HexFormat;
import java.util.List;

/**
 * A simulated enclave instance, as a test drives it: its own keys, and sim evidence (the real sim verifier's format,
 * signed by a simulated chip) binding whatever nonce, contract hash and keys a test chooses, so an attack can bind the
 * wrong one.
 */
final class SimInstance {
    static final SimFirmware FIRMWARE = new SimFirmware();
    final KeyPair signing;
    final KemKeyPair keyWrap;
    final InstanceKeys keys;

    SimInstance(KeyWrapSuite suite) throws Exception {
        signing = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        keyWrap = KemKeyPair.generate(suite);
        keys = new InstanceKeys(signing.getPublic().getEncoded(), suite, keyWrap.publicKey());
    }

    String hex() {
        return Digests.hex(keys.digest());
    }

    /** Evidence of {@code measurementHex} binding exactly these parts. */
    static Messages.EvidenceOffer offer(String measurementHex, byte[] nonce, byte[] contractHash, InstanceKeys bound,
                                        InstanceKeys sent) {
        byte[] evidence = FIRMWARE.report(HexFormat.of().parseHex(measurementHex),
                EvidenceBinding.reportData(nonce, contractHash, bound), false);
        byte[] enclaveNonce = new byte[EvidenceBinding.NONCE_LENGTH];
        new SecureRandom().nextBytes(enclaveNonce);
        return new Messages.EvidenceOffer(Platform.SIM, evidence, List.of(), sent, enclaveNonce);
    }

    Messages.EvidenceOffer offer(String measurementHex, byte[] nonce, byte[] contractHash) {
        return offer(measurementHex, nonce, contractHash, keys, keys);
    }

    byte[] sign(byte[] message) throws Exception {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(signing.getPrivate());
        s.update(message);
        return s.sign();
    }
}
