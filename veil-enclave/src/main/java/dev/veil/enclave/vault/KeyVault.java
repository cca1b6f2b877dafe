package dev.veil.enclave.vault;

import dev.veil.protocol.contract.Role;
import dev.veil.seal.AssetKey;
import java.util.EnumMap;
import java.util.Map;

/**
 * Holds the asset keys released to this enclave instance. Joint consent is enforced here: no key can be taken out
 * until both providers have verified this instance and released their keys under the same contract.
 */
public final class KeyVault implements AutoCloseable {
    private final Map<Role, AssetKey> keys = new EnumMap<>(Role.class);
    private boolean closed;

    public synchronized void deposit(Role role, AssetKey key) {
        if (closed) {
            key.close();
            throw new IllegalStateException("the key vault is closed: the session is over");
        }
        if (keys.containsKey(role)) {
            key.close();
            throw new IllegalStateException("the " + role + " has already released its key for this session");
        }
        keys.put(role, key);
    }

    public synchronized boolean holds(Role role) {
        return keys.containsKey(role);
    }

    public synchronized boolean holdsAny() {
        return !keys.isEmpty();
    }

    public synchronized byte[] keyId(Role role) {
        return keys.get(role).id();
    }

    public synchronized boolean jointConsent() {
        return !closed && keys.size() == Role.values().length;
    }

    /** The key of {@code role}, only once both parties consented. */
    public synchronized AssetKey use(Role role) {
        if (!jointConsent()) {
            throw new IllegalStateException("keys are used only after both providers released theirs (joint consent)");
        }
        return keys.get(role);
    }

    /** Wipes every key. */
    @Override
    public synchronized void close() {
        keys.values().forEach(AssetKey::close);
        keys.clear();
        closed = true;
    }
}
