package dev.veil.protocol;

import dev.veil.attest.Platform;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.Dim;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.contract.ValueSignature;
import dev.veil.protocol.contract.ValueType;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Two providers and a contract between them, for tests. */
public final class TestParties {
    public static final Identity MP = Identity.generate("model-provider", KeyWrapSuite.X25519);
    public static final Identity DP = Identity.generate("data-provider", KeyWrapSuite.MLKEM768_X25519);
    public static final String MEASUREMENT = "ab".repeat(48);
    /** The demo digits classifier's signature: float32 features [N, 64] in, int64 labels [N] and float32 scores out. */
    public static final ModelSignature SIGNATURE = new ModelSignature(
            List.of(ValueSignature.tensor("features", ValueType.FLOAT32, Dim.free("N"), Dim.fixed(64))),
            List.of(ValueSignature.tensor("label", ValueType.INT64, Dim.free("N")),
                    ValueSignature.tensor("probabilities", ValueType.FLOAT32, Dim.free("N"), Dim.fixed(10))));

    private TestParties() {
    }

    public static SessionContract contract(Instant expiry) {
        return contract(expiry, MP.publicIdentity(), DP.publicIdentity());
    }

    /** A contract naming the given public identities, for tests of identities that misuse keys. */
    public static SessionContract contract(Instant expiry, PublicIdentity mp, PublicIdentity dp) {
        return SessionContract.draft(new ModelTerms("cd".repeat(32), "test model", SIGNATURE), mp, dp,
                new EnclavePolicy(Platform.SIM, List.of(MEASUREMENT), false, true), KeyWrapSuite.MLKEM768_X25519,
                OutputPolicy.labels(), expiry);
    }

    public static SignedContract signedContract() throws Exception {
        return SignedContract.unsigned(contract(Instant.now().plus(Duration.ofHours(1))))
                .signedBy(Role.MODEL_PROVIDER, MP).signedBy(Role.DATA_PROVIDER, DP);
    }
}
