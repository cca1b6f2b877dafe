package dev.veil.provider.replay;

import dev.veil.protocol.contract.Role;
import dev.veil.protocol.json.ProtocolException;
import java.io.IOException;

/**
 * A provider's defence against a contract being run twice. The enclave's host controls the enclave's disk and can
 * restart it with a clean slate, so only the providers can remember which contracts they already released a key for.
 */
public interface ReplayGuard {
    /** Remembers nothing: for tests and for callers that keep their own record. */
    ReplayGuard NONE = new ReplayGuard() {
        @Override
        public void beforeConnecting(byte[] contractHash, Role role) {
        }

        @Override
        public void beforeKeyRelease(byte[] contractHash, Role role) {
        }

        @Override
        public void finished(byte[] contractHash, Role role) {
        }
    };

    /** An early, friendly refusal: before anything is sent to the enclave. */
    void beforeConnecting(byte[] contractHash, Role role) throws ProtocolException, IOException;

    /** The binding check: refuses, or records the release, before the key leaves this machine. */
    void beforeKeyRelease(byte[] contractHash, Role role) throws ProtocolException, IOException;

    /** Records that the session ended with a verified receipt. */
    void finished(byte[] contractHash, Role role) throws ProtocolException, IOException;
}
