package dev.veil.protocol.serving;

import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A serving contract with the model provider's signature, or none yet (null). Its JSON key {@code serving_contract}
 * differs from a batch contract file's {@code contract}, so a file of one kind fails to parse as the other.
 */
public record SignedServingContract(ServingContract servingContract, byte[] modelProviderSignature) {
    public SignedServingContract {
        if (servingContract == null) {
            throw new IllegalArgumentException("a serving contract file needs 'serving_contract'; a batch contract (key 'contract') is not a serving contract");
        }
        modelProviderSignature = modelProviderSignature == null ? null : modelProviderSignature.clone();
    }

    @Override
    public byte[] modelProviderSignature() {
        return modelProviderSignature == null ? null : modelProviderSignature.clone();
    }

    public static SignedServingContract unsigned(ServingContract c) {
        return new SignedServingContract(c, null);
    }

    /** Signed by {@code signer}, which must be the model provider the contract names. */
    public SignedServingContract signedBy(Identity signer) throws ProtocolException {
        if (!servingContract.modelProvider().sameKeysAs(signer.publicIdentity())) {
            throw new ProtocolException("identity " + signer.publicIdentity() + " is not the serving contract's model_provider ("
                    + servingContract.modelProvider() + "); only the model provider signs a serving contract");
        }
        return new SignedServingContract(servingContract, signer.sign(servingContract.signingMessage()));
    }

    public static SignedServingContract parse(byte[] json, String what) throws ProtocolException {
        return Json.parse(json, SignedServingContract.class, what);
    }

    public static SignedServingContract read(Path file) throws IOException, ProtocolException {
        return parse(Files.readAllBytes(file), "serving contract file " + file.getFileName());
    }
}
