package dev.veil.enclave.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.contract.Role;
import dev.veil.seal.AssetKey;
import org.junit.jupiter.api.Test;

class KeyVaultTest {
    @Test
    void noKeyIsUsableBeforeBothPartiesReleasedTheirs() {
        try (KeyVault v = new KeyVault()) {
            AssetKey mk = AssetKey.generate();
            v.deposit(Role.MODEL_PROVIDER, mk);
            assertThat(v.jointConsent()).isFalse();
            assertThatThrownBy(() -> v.use(Role.MODEL_PROVIDER)).hasMessageContaining("joint consent");
            v.deposit(Role.DATA_PROVIDER, AssetKey.generate());
            assertThat(v.jointConsent()).isTrue();
            assertThat(v.use(Role.MODEL_PROVIDER)).isSameAs(mk);
        }
    }

    @Test
    void aSecondReleaseBySameRoleIsRefusedAndWiped() {
        try (KeyVault v = new KeyVault()) {
            v.deposit(Role.DATA_PROVIDER, AssetKey.generate());
            AssetKey again = AssetKey.generate();
            assertThatThrownBy(() -> v.deposit(Role.DATA_PROVIDER, again)).hasMessageContaining("already released");
            assertThat(again.isDestroyed()).isTrue();
        }
    }

    @Test
    void closingWipesEveryKeyAndEndsConsent() {
        KeyVault v = new KeyVault();
        AssetKey a = AssetKey.generate();
        AssetKey b = AssetKey.generate();
        v.deposit(Role.MODEL_PROVIDER, a);
        v.deposit(Role.DATA_PROVIDER, b);
        v.close();
        assertThat(a.isDestroyed()).isTrue();
        assertThat(b.isDestroyed()).isTrue();
        assertThat(v.jointConsent()).isFalse();
        assertThatThrownBy(() -> v.deposit(Role.MODEL_PROVIDER, AssetKey.generate())).hasMessageContaining("closed");
    }
}
