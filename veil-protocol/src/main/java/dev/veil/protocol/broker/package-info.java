/**
 * The key broker's wire records: a provider's unattended stand-in for {@code veil join} and {@code veil provision}.
 * An enclave instance asks for a challenge ({@link ChallengeRequest} → {@link BrokerChallenge}), presents evidence
 * that binds the broker's nonce, the contract hash and its instance keys ({@link ReleaseRequest}), and receives the
 * provider's asset key HPKE-wrapped to its instance key ({@link ReleaseAnswer}), exactly as in the ceremony
 * ({@link dev.veil.protocol.keyrelease.KeyReleaseTranscript}). The data-key service for Parquet Modular Encryption
 * ({@link WrapRequest}, {@link UnwrapRequest}) keeps master keys inside the broker: data keys travel HPKE-sealed,
 * to the broker when wrapped and to an instance the broker released to when unwrapped.
 *
 * <p>Every record is parsed once, strictly, through {@link dev.veil.protocol.json.Json}; {@link BrokerMessages} names
 * each with its size bound.
 */
package dev.veil.protocol.broker;
