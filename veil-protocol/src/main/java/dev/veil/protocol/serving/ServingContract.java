package dev.veil.protocol.serving;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
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
 * The document a model provider alone signs to serve its model to many data providers, one request at a time. A
 * kind of its own: its version field ({@code veil_serving_contract}), hash label and signature label all differ from
 * the batch {@code SessionContract}'s, so neither can be read, hashed or verified as the other. Each data provider
 * consents per request, by signing it after checking the instance's evidence against this contract.
 *
 * @param contractId random, so two contracts with otherwise equal terms still differ
 * @param expiresAt ISO-8601 instant after which no enclave may serve under this contract
 * @param maxInstances how many serving instances (replicas) the model provider's key broker may release the model key
 *                     to; absent means 1 (and is left out of the canonical form, so older contracts keep their hash)
 */
public record ServingContract(Integer veilServingContract, String contractId, ModelTerms model,
                              PublicIdentity modelProvider, EnclavePolicy enclave, KeyWrapSuite keyWrap,
                              OutputPolicy output, DataProviderAccess dataProviders, ServingBudget budget,
                              ServingLimits limits, String expiresAt,
                              @MayBeAbsent @JsonInclude(JsonInclude.Include.NON_NULL) Integer maxInstances) {
    public static final int VERSION = 1;
    static final String HASH_LABEL = "veil serving contract v1";
    static final String SIGNATURE_LABEL = "veil serving contract signature v1";

    public ServingContract {
        if (veilServingContract == null || contractId == null || model == null || modelProvider == null || enclave == null
                || keyWrap == null || output == null || dataProviders == null || budget == null || limits == null
                || expiresAt == null) {
            throw new IllegalArgumentException("serving contract is incomplete: it needs veil_serving_contract, contract_id, "
                    + "model, model_provider, enclave, key_wrap, output, data_providers, budget, limits and expires_at");
        }
    }

    /** A serving contract without {@code max_instances}: one instance. */
    public ServingContract(Integer veilServingContract, String contractId, ModelTerms model, PublicIdentity modelProvider,
                           EnclavePolicy enclave, KeyWrapSuite keyWrap, OutputPolicy output, DataProviderAccess dataProviders,
                           ServingBudget budget, ServingLimits limits, String expiresAt) {
        this(veilServingContract, contractId, model, modelProvider, enclave, keyWrap, output, dataProviders, budget, limits,
                expiresAt, null);
    }

    public static ServingContract draft(ModelTerms model, PublicIdentity mp, EnclavePolicy enclave, KeyWrapSuite keyWrap,
                                        OutputPolicy output, DataProviderAccess dataProviders, ServingBudget budget,
                                        ServingLimits limits, Instant expiresAt) {
        byte[] id = new byte[16];
        new SecureRandom().nextBytes(id);
        return new ServingContract(VERSION, HexFormat.of().formatHex(id), model, mp, enclave, keyWrap, output,
                dataProviders, budget, limits, expiresAt.toString());
    }

    /** This contract with {@code max_instances} set (null: absent, one instance); a new hash, to be signed anew. */
    public ServingContract withMaxInstances(Integer instances) {
        return new ServingContract(veilServingContract, contractId, model, modelProvider, enclave, keyWrap, output, dataProviders,
                budget, limits, expiresAt, instances);
    }

    /** How many instances a key broker may release to: {@code max_instances}, or 1 when absent. */
    public int instanceLimit() {
        return maxInstances == null ? 1 : maxInstances;
    }

    public byte[] canonicalBytes() {
        return Json.canonical(this);
    }

    /** H(sc): SHA-256 over the canonical JSON, under the serving contract's own label. */
    public byte[] hash() {
        return Digests.labelled256(HASH_LABEL, canonicalBytes());
    }

    /** What the model provider signs: its role and the hash, under the serving contract's signature label. */
    public byte[] signingMessage() {
        return Digests.labelled256(SIGNATURE_LABEL, Role.MODEL_PROVIDER.id().getBytes(StandardCharsets.US_ASCII), hash());
    }
}
