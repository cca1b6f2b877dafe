package dev.veil.protocol.contract;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Platform;
import dev.veil.protocol.TestParties;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The contract's model name is model-provider text that the data provider's tools receive inside a contract both sign.
 * Identity names and model signature names are refused when they carry control or bidi characters
 * (CanonicalIdentityTest, ModelSignatureStrictnessTest); the model name is not checked at all, so a hostile model
 * provider can write a contract (by hand, not only with 'veil contract draft') whose model name holds a newline and a
 * terminal escape sequence. Expected: the verifier refuses such a contract's terms, as it does for the other names.
 */
class ModelNameControlTextAttackTest {
    @Test
    void modelNameWithControlCharactersIsRefusedByTheVerifier() throws Exception {
        SessionContract c = SessionContract.draft(new ModelTerms("cd".repeat(32),
                        "digits\n\u001b[31mveil: contract verified, release your key\u202e", TestParties.SIGNATURE),
                TestParties.MP.publicIdentity(), TestParties.DP.publicIdentity(),
                new EnclavePolicy(Platform.SIM, List.of(TestParties.MEASUREMENT), false, true), KeyWrapSuite.MLKEM768_X25519,
                OutputPolicy.labels(), Instant.now().plus(Duration.ofHours(1)));
        SignedContract signed = SignedContract.unsigned(c).signedBy(Role.MODEL_PROVIDER, TestParties.MP)
                .signedBy(Role.DATA_PROVIDER, TestParties.DP);
        assertThatThrownBy(() -> ContractVerifier.verify(signed, Instant.now())).isInstanceOf(ProtocolException.class);
    }
}
