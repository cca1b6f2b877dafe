/**
 * The serving enclave's HTTP messages that are not the sealed requests themselves (those are
 * {@link dev.veil.protocol.serving}): the attestation challenge, the model provider's provisioning release and retire
 * request, and the serving discard receipt with its offline check. Shared by the enclave's server and the SDK, so
 * both parse the same typed records strictly.
 */
package dev.veil.protocol.servinghttp;
