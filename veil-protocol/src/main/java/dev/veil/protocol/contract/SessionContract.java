package dev.veil.protocol.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.MayBeAbsent;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;

/**
 * The one document both providers sign. Its hash {@link #hash()} names the session everywhere: in the evidence's
 * report data, in every key release and in every receipt.
 * @param sessionId random, so two sessions with otherwise equal terms still differ
 * @param resultRecipient fingerprint of the identity whose key-agreement key receives the results (the data provider)
 * @param expiresAt ISO-8601 instant after which no enclave may start the session
 * @param limits dataset pin, row bound and inference time limit the enclave enforces
 * @param maxInstances how many enclave instances a provider's key broker may release to under this contract; absent
 *                     means 1 (and is left out of the canonical form, so contracts drafted before it keep their hash)
 */
public record SessionContract(int veilContract, String sessionId, ModelTerms model, PublicIdentity modelProvider,
                              PublicIdentity dataProvider, EnclavePolicy enclave, KeyWrapSuite keyWrap,
                              OutputPolicy output, String resultRecipient, String expiresAt, SessionLimits limits,
                              @MayBeAbsent @JsonInclude(JsonInclude.Include.NON_NULL) Integer maxInstances) {
    /**
     * Version 2 added {@code limits}, version 3 the model's signature ({@code model.signature}); an older contract is
     * refused rather than read with silent defaults.
     */
    public static final int VERSION = 3;

    public SessionContract {
        if (veilContract != VERSION) {
            // first, before any part is judged: an old contract is named as such, not as one missing a newer part
            throw new IllegalArgumentException("contract version " + veilContract + " is not supported (expected " + VERSION + ")");
        }
    }

    /** A contract without {@code max_instances}: one instance. */
    public SessionContract(int veilContract, String sessionId, ModelTerms model, PublicIdentity modelProvider,
                           PublicIdentity dataProvider, EnclavePolicy enclave, KeyWrapSuite keyWrap, OutputPolicy output,
                           String resultRecipient, String expiresAt, SessionLimits limits) {
        this(veilContract, sessionId, model, modelProvider, dataProvider, enclave, keyWrap, output, resultRecipient, expiresAt,
                limits, null);
    }

    public static SessionContract draft(ModelTerms model, PublicIdentity mp, PublicIdentity dp, EnclavePolicy enclave,
                                        KeyWrapSuite keyWrap, OutputPolicy output, Instant expiresAt) {
        return draft(model, mp, dp, enclave, keyWrap, output, expiresAt, SessionLimits.defaults());
    }

    public static SessionContract draft(ModelTerms model, PublicIdentity mp, PublicIdentity dp, EnclavePolicy enclave,
                                        KeyWrapSuite keyWrap, OutputPolicy output, Instant expiresAt, SessionLimits limits) {
        byte[] id = new byte[16];
        new SecureRandom().nextBytes(id);
        return new SessionContract(VERSION, HexFormat.of().formatHex(id), model, mp, dp, enclave, keyWrap, output,
                dp.fingerprint(), expiresAt.toString(), limits);
    }

    /** This contract with {@code max_instances} set (null: absent, one instance); a new hash, to be signed anew. */
    public SessionContract withMaxInstances(Integer instances) {
        return new SessionContract(veilContract, sessionId, model, modelProvider, dataProvider, enclave, keyWrap, output,
                resultRecipient, expiresAt, limits, instances);
    }

    /** How many instances a key broker may release to: {@code max_instances}, or 1 when absent. */
    public int instanceLimit() {
        return maxInstances == null ? 1 : maxInstances;
    }

    public byte[] canonicalBytes() {
        return Json.canonical(this);
    }

    /** H(c): SHA-256 over the canonical JSON, domain-separated. */
    public byte[] hash() {
        return Digests.labelled256("veil contract v1", canonicalBytes());
    }

    public PublicIdentity party(Role role) {
        return role == Role.MODEL_PROVIDER ? modelProvider : dataProvider;
    }

    /**
     * What the party in {@code role} signs: its role and the contract hash under their own label. Binding the role
     * means a signature made as one provider can never be presented as the other's.
     */
    public byte[] signingMessage(Role role) {
        return Digests.labelled256("veil contract signature v2", role.id().getBytes(StandardCharsets.US_ASCII), hash());
    }
}
