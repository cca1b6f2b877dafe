package dev.veil.provider.broker;

import dev.veil.attest.Platform;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.Dim;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.contract.ValueSignature;
import dev.veil.protocol.contract.ValueType;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.serving.DataProviderAccess;
import dev.veil.protocol.serving.ServingBudget;
import dev.veil.protocol.serving.ServingContract;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.serving.ServingLimits;
import dev.veil.protocol.serving.SignedServingContract;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/** Providers, contracts and a settable clock for the broker's tests. */
final class BrokerFixture {
    static final Identity MP = Identity.generate("model-provider", KeyWrapSuite.X25519);
    static final Identity DP = Identity.generate("data-provider", KeyWrapSuite.X25519);
    static final String MEASUREMENT = "ab".repeat(48);
    static final ModelSignature SIGNATURE = new ModelSignature(
            List.of(ValueSignature.tensor("features", ValueType.FLOAT32, Dim.free("N"), Dim.fixed(64))),
            List.of(ValueSignature.tensor("label", ValueType.INT64, Dim.free("N"))));

    private BrokerFixture() {
    }

    static ServingContractVerifier.Verified serving(Integer maxInstances) throws Exception {
        ServingContract c = ServingContract.draft(new ModelTerms("cd".repeat(32), "test model", SIGNATURE), MP.publicIdentity(),
                new EnclavePolicy(Platform.SIM, List.of(MEASUREMENT), false, true), KeyWrapSuite.X25519, OutputPolicy.npz(),
                DataProviderAccess.anyDataProvider(), new ServingBudget(1000L, 10000L), new ServingLimits(10, 60),
                Instant.now().plus(Duration.ofHours(1))).withMaxInstances(maxInstances);
        return ServingContractVerifier.verify(SignedServingContract.unsigned(c).signedBy(MP), Instant.now());
    }

    static ContractVerifier.Verified batch(Integer maxInstances) throws Exception {
        SessionContract c = SessionContract.draft(new ModelTerms("cd".repeat(32), "test model", SIGNATURE), MP.publicIdentity(),
                DP.publicIdentity(), new EnclavePolicy(Platform.SIM, List.of(MEASUREMENT), false, true), KeyWrapSuite.X25519,
                OutputPolicy.labels(), Instant.now().plus(Duration.ofHours(1))).withMaxInstances(maxInstances);
        return ContractVerifier.verify(SignedContract.unsigned(c).signedBy(Role.MODEL_PROVIDER, MP).signedBy(Role.DATA_PROVIDER, DP),
                Instant.now());
    }

    /** A clock a test moves forward. */
    static final class SettableClock extends Clock {
        private Instant now = Instant.now();

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
