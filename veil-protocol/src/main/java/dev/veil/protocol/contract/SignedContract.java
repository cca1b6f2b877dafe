package dev.veil.protocol.contract;

import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** A contract with the signatures collected so far, keyed by role ("model_provider", "data_provider"). */
public record SignedContract(SessionContract contract, Map<String, byte[]> signatures) {
    public SignedContract {
        if (contract == null || signatures == null) {
            // parsed from files anyone can hand over (a serving contract among them): refused here, not a crash later
            throw new IllegalArgumentException("a contract file needs 'contract' and 'signatures'; a serving contract "
                    + "(key 'serving_contract') is not a batch contract");
        }
        signatures = Map.copyOf(signatures);
    }

    public static SignedContract unsigned(SessionContract c) {
        return new SignedContract(c, Map.of());
    }

    /** Adds {@code signer}'s signature for {@code role}; the signer must be the identity the contract names. */
    public SignedContract signedBy(Role role, Identity signer) throws ProtocolException {
        if (!contract.party(role).sameKeysAs(signer.publicIdentity())) {
            throw new ProtocolException("identity " + signer.publicIdentity() + " is not the contract's " + role
                    + " (" + contract.party(role) + ")");
        }
        Map<String, byte[]> s = new TreeMap<>(signatures);
        s.put(role.id(), signer.sign(contract.signingMessage(role)));
        return new SignedContract(contract, s);
    }

    public static SignedContract read(Path file) throws java.io.IOException, ProtocolException {
        return Json.parse(Files.readAllBytes(file), SignedContract.class, "contract file " + file.getFileName());
    }
}
