package dev.veil.enclave.serving;

import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.inference.InferenceException;
import dev.veil.enclave.inference.ModelRunner;
import dev.veil.enclave.inference.RunStateCheck;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.SealException;
import dev.veil.seal.SealHeader;
import dev.veil.seal.UnsealingInputStream;
import dev.veil.seal.Unsealer;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * A sealed model as it streams in, to a loaded {@link ModelRunner}: its header checked against the released key and
 * the contract before anything is decrypted (a model, the key's id, the contract's digest, the enclave's size limit),
 * then opened segment by segment into one plaintext buffer (each segment verified, the digest recomputed, nothing
 * after the sealed end), loaded by ONNX Runtime as the batch enclave loads it (external data refused, ONNX format only,
 * the contract's model signature checked), and only if no run of it keeps state for the next ({@link RunStateCheck}: one
 * session answers every data provider), and the buffer zeroed whatever happened.
 */
final class SealedModelLoader {
    private SealedModelLoader() {
    }

    static ModelRunner load(AssetKey key, InputStream sealedModel, ModelTerms model, EnclaveConfig config)
            throws ServingFailure, IOException {
        SealHeader header;
        try {
            header = SealHeader.decode(sealedModel.readNBytes(SealHeader.LENGTH));
        } catch (SealException e) {
            throw new ServingFailure(422, FailureCode.ASSET_INVALID, "sealed model: " + e.getMessage());
        }
        if (header.contentType() != ContentType.MODEL) {
            throw new ServingFailure(422, FailureCode.ASSET_INVALID, "the upload is a sealed " + header.contentType().label()
                    + ", expected a sealed model");
        }
        if (!MessageDigest.isEqual(header.keyId(), key.id())) {
            throw new ServingFailure(422, FailureCode.ASSET_INVALID, "the sealed model was sealed with key id " + header.keyIdHex()
                    + " but the key released has id " + key.idHex());
        }
        if (!header.plaintextSha256Hex().equals(model.sha256())) {
            throw new ServingFailure(422, FailureCode.ASSET_INVALID, "model digest " + header.plaintextSha256Hex()
                    + " is not the serving contract's model " + model.sha256());
        }
        if (header.plaintextSize() > config.maxModelBytes() || header.plaintextSize() > Integer.MAX_VALUE - 16) {
            throw new ServingFailure(413, FailureCode.LIMIT_EXCEEDED, "the model's " + header.plaintextSize()
                    + " bytes are over this enclave's limit of " + config.maxModelBytes());
        }
        byte[] plaintext = new byte[(int) header.plaintextSize()];
        try {
            try (UnsealingInputStream in = UnsealingInputStream.open(header, sealedModel, key, Unsealer.DigestCheck.RECOMPUTE)) {
                int n = in.readNBytes(plaintext, 0, plaintext.length);
                if (n != plaintext.length || in.read() >= 0 || !in.verified()) {
                    throw new ServingFailure(422, FailureCode.ASSET_INVALID, "the sealed model's length or digest is not its header's");
                }
            } catch (UnsealingInputStream.Refused e) {
                throw new ServingFailure(422, FailureCode.ASSET_INVALID, "sealed model: " + e.getMessage());
            }
            if (sealedModel.read() >= 0) {
                throw new ServingFailure(422, FailureCode.ASSET_INVALID, "the upload holds bytes after the sealed model");
            }
            try {
                // One session answers every data provider: no run may leave state that steers the next one's answer.
                RunStateCheck.refuseStateAcrossRuns(plaintext);
                return new ModelRunner(plaintext, model.signature(), config.intraOpThreads(),
                        config.workDir().resolve("ort-scratch"));
            } catch (InferenceException e) {
                throw new ServingFailure(422, e.code(), e.getMessage());
            }
        } finally {
            Arrays.fill(plaintext, (byte) 0);
        }
    }
}
