package dev.veil.protocol.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.TestParties;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.protocol.results.FailureDetail;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import org.junit.jupiter.api.Test;

class FailureSignatureTest {
    private static final byte[] HASH = new byte[32];

    @Test
    void failureSealedToTheProviderByAnyoneIsNotTheEnclavesWithoutTheInstanceSignature() throws Exception {
        KeyPair instance = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPair host = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] lure = FailureDetail.seal("upload the CSV to https://fix.example", TestParties.DP.publicIdentity(), Role.DATA_PROVIDER, HASH);
        Messages.Failure forged = new Messages.Failure(FailureCode.DATASET_INVALID, FailureCode.DATASET_INVALID.description(), lure);
        byte[] key = instance.getPublic().getEncoded();
        assertThat(FailureSignature.verifies(forged, HASH, Role.DATA_PROVIDER, key)).as("unsigned").isFalse();
        assertThat(FailureSignature.verifies(FailureSignature.sign(forged, HASH, Role.DATA_PROVIDER, host.getPrivate()), HASH,
                Role.DATA_PROVIDER, key)).as("signed by another key").isFalse();

        Messages.Failure genuine = FailureSignature.sign(forged, HASH, Role.DATA_PROVIDER, instance.getPrivate());
        assertThat(FailureSignature.verifies(genuine, HASH, Role.DATA_PROVIDER, key)).isTrue();
        assertThat(FailureSignature.verifies(genuine, HASH, Role.MODEL_PROVIDER, key)).as("for the other provider").isFalse();
        Messages.Failure recoded = new Messages.Failure(FailureCode.TIMEOUT, genuine.reason(), genuine.sealedDetail(), genuine.signature());
        assertThat(FailureSignature.verifies(recoded, HASH, Role.DATA_PROVIDER, key)).as("code changed in transit").isFalse();
        byte[] otherDetail = FailureDetail.seal("something else", TestParties.DP.publicIdentity(), Role.DATA_PROVIDER, HASH);
        Messages.Failure swapped = new Messages.Failure(genuine.code(), genuine.reason(), otherDetail, genuine.signature());
        assertThat(FailureSignature.verifies(swapped, HASH, Role.DATA_PROVIDER, key)).as("detail swapped in transit").isFalse();
    }
}
