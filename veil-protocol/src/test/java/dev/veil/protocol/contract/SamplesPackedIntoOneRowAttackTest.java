package dev.veil.protocol.contract;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Platform;
import dev.veil.protocol.TestParties;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.serving.DataProviderAccess;
import dev.veil.protocol.serving.ServingBudget;
import dev.veil.protocol.serving.ServingContract;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.serving.ServingLimits;
import dev.veil.protocol.serving.SignedServingContract;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Attack: model extraction past a contract's row bound by packing many samples into one row. Batch contracts bound
 * the model's answers by {@code limits.max_rows}, serving contracts by budgets, and both count rows along each input's
 * first dimension. A model exported with a fixed batch of 1 and a free point count (x: float32 [1, L, 3]) takes a
 * thousand points as one row; a model input of no known shape takes any array. Both contract verifiers, which every
 * party runs on every contract (drafting, signing, joining, the enclave, the Spark driver and executors, key brokers),
 * refuse such models with one sentence naming the input and what to do; models whose rows are samples are kept. The
 * attack end to end: PointsPackedIntoOneRowAttackTest (batch ceremony), PointsPackedIntoOneRowOnSparkAttackTest,
 * RowsAlongAnotherDimensionAttackTest (serving).
 */
class SamplesPackedIntoOneRowAttackTest {
    private static final Instant NOW = Instant.now();
    private static final ValueSignature FIXED_BATCH_FREE_POINTS = ValueSignature.tensor("x", ValueType.FLOAT32, Dim.fixed(1),
            Dim.free("L"), Dim.fixed(3));

    @Test
    void batchContractOfAFixedBatchModelWithAFreePointCountIsRefusedBeforeAndAfterSigning() throws Exception {
        SessionContract c = batch(FIXED_BATCH_FREE_POINTS);
        assertThatThrownBy(() -> ContractVerifier.checkTerms(c)).isInstanceOf(ProtocolException.class)
                .hasMessage("contract model input 'x' float32 [1, L, 3]: its first dimension is fixed and a later one is free, "
                        + "so one row (along the first dimension) can carry any number of samples and limits.max_rows would not "
                        + "bound what the model answers; export the model with a free batch (first) dimension");
        SignedContract signed = SignedContract.unsigned(c).signedBy(Role.MODEL_PROVIDER, TestParties.MP)
                .signedBy(Role.DATA_PROVIDER, TestParties.DP);
        assertThatThrownBy(() -> ContractVerifier.verify(signed, NOW)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("its first dimension is fixed and a later one is free");
    }

    @Test
    void servingContractOfTheSameModelIsRefusedInTheSameWords() throws Exception {
        ServingContract c = serving(FIXED_BATCH_FREE_POINTS);
        assertThatThrownBy(() -> ServingContractVerifier.checkTerms(c)).isInstanceOf(ProtocolException.class)
                .hasMessage("serving contract model input 'x' float32 [1, L, 3]: its first dimension is fixed and a later one is "
                        + "free, so one row (along the first dimension) can carry any number of samples and the budgets would not "
                        + "bound what the model answers; export the model with a free batch (first) dimension");
        assertThatThrownBy(() -> ServingContractVerifier.verify(SignedServingContract.unsigned(c).signedBy(TestParties.MP), NOW))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("its first dimension is fixed and a later one is free");
    }

    @Test
    void aFreeDimensionBehindAnyFixedOneIsRefusedInEveryInput() throws Exception {
        ValueSignature ids = ValueSignature.tensor("ids", ValueType.INT64, Dim.free("N"), Dim.free("S"));
        ValueSignature boxes = ValueSignature.tensor("boxes", ValueType.FLOAT32, Dim.fixed(2), Dim.fixed(4), Dim.unnamed());
        MaxSizes sizes = MaxSizes.of(java.util.Map.of("S", 16L));
        assertThatThrownBy(() -> ContractVerifier.checkTerms(batch(sizes, ids, boxes))).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("model input 'boxes' float32 [2, 4, ?]: its first dimension is fixed");
        assertThatThrownBy(() -> ServingContractVerifier.checkTerms(serving(sizes, ids, boxes))).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("model input 'boxes' float32 [2, 4, ?]: its first dimension is fixed");
    }

    @Test
    void modelInputOfNoKnownShapeOrAScalarIsRefused() {
        for (ValueSignature unknown : List.of(new ValueSignature("x", ValueType.FLOAT32, null),
                ValueSignature.tensor("x", ValueType.FLOAT32))) {
            assertThatThrownBy(() -> ContractVerifier.checkTerms(batch(unknown))).as(unknown.toString())
                    .isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("contract model input " + unknown + " has no known shape of rank 1 or more")
                    .hasMessageContaining("limits.max_rows would not bound what the model answers");
            assertThatThrownBy(() -> ServingContractVerifier.checkTerms(serving(unknown))).as(unknown.toString())
                    .isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("serving contract model input " + unknown + " has no known shape of rank 1 or more");
        }
    }

    /**
     * A free batch first with every later free dimension given a max size (MiniLM's [batch, sequence], the OCR
     * classifier's [N, 3, H, W]), or sizes fixed everywhere.
     */
    @Test
    void modelsWhoseRowsAreSamplesAreKept() {
        List<List<ValueSignature>> kept = List.of(
                List.of(ValueSignature.tensor("x", ValueType.FLOAT32, Dim.free("N"), Dim.free("L"), Dim.fixed(3))),
                List.of(ValueSignature.tensor("input_ids", ValueType.INT64, Dim.free("batch"), Dim.free("sequence")),
                        ValueSignature.tensor("attention_mask", ValueType.INT64, Dim.free("batch"), Dim.free("sequence"))),
                List.of(ValueSignature.tensor("x", ValueType.FLOAT32, Dim.unnamed(), Dim.fixed(3), Dim.free("H"), Dim.free("W"))),
                List.of(ValueSignature.tensor("x", ValueType.FLOAT32, Dim.fixed(1), Dim.fixed(3), Dim.fixed(224), Dim.fixed(224))),
                List.of(ValueSignature.tensor("x", ValueType.FLOAT32, Dim.fixed(4), Dim.fixed(3))),
                List.of(ValueSignature.tensor("x", ValueType.FLOAT32, Dim.free("N"))));
        for (List<ValueSignature> inputs : kept) {
            ValueSignature[] in = inputs.toArray(ValueSignature[]::new);
            MaxSizes sizes = sizesOfLaterFreeDimensions(inputs);
            assertThatCode(() -> ContractVerifier.checkTerms(batch(sizes, in))).as(inputs.toString()).doesNotThrowAnyException();
            assertThatCode(() -> ServingContractVerifier.checkTerms(serving(sizes, in))).as(inputs.toString())
                    .doesNotThrowAnyException();
        }
    }

    /**
     * The free-batch form of the attack (a points model exported [N, L, 3]: a thousand points in one row): nothing in
     * the model tells L from MiniLM's sequence, so a free dimension after the first needs a max size in the contract.
     * End to end: PointsPackedIntoOneRowAttackTest.
     */
    @Test
    void aFreeLaterDimensionWithoutAMaxSizeIsRefusedInBothKindsOfContract() {
        ValueSignature points = ValueSignature.tensor("x", ValueType.FLOAT32, Dim.free("N"), Dim.free("L"), Dim.fixed(3));
        assertThatThrownBy(() -> ContractVerifier.checkTerms(batch(points))).isInstanceOf(ProtocolException.class)
                .hasMessage("contract model input 'x' float32 [N, L, 3]: its dimension 1 ('L') is free, so one row can carry any"
                        + " number of elements along it and limits.max_rows would not bound what the model answers; give it a max"
                        + " size in the signature's max_sizes (veil contract draft --max-size L=N)");
        assertThatThrownBy(() -> ServingContractVerifier.checkTerms(serving(points))).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("serving contract model input 'x' float32 [N, L, 3]: its dimension 1 ('L') is free")
                .hasMessageContaining("the budgets would not bound");
        ValueSignature ids = ValueSignature.tensor("ids", ValueType.INT64, Dim.free("N"), Dim.free("S"));
        ValueSignature mask = ValueSignature.tensor("mask", ValueType.INT64, Dim.free("N"), Dim.free("T"));
        assertThatThrownBy(() -> ContractVerifier.checkTerms(batch(MaxSizes.of(java.util.Map.of("S", 8L)), ids, mask)))
                .as("one bounded dimension does not cover another").isInstanceOf(ProtocolException.class)
                .hasMessageContaining("'mask' int64 [N, T]: its dimension 1 ('T') is free");
    }

    @Test
    void anUnnamedFreeLaterDimensionCannotBeBoundedAndIsRefused() {
        ValueSignature unnamed = ValueSignature.tensor("x", ValueType.FLOAT32, Dim.free("N"), Dim.unnamed(), Dim.fixed(3));
        assertThatThrownBy(() -> ContractVerifier.checkTerms(batch(unnamed))).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("'x' float32 [N, ?, 3]: its dimension 1 is free and unnamed")
                .hasMessageContaining("export the model with a name for each free dimension");
        assertThatThrownBy(() -> ServingContractVerifier.checkTerms(serving(unnamed))).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("its dimension 1 is free and unnamed");
    }

    private static MaxSizes sizesOfLaterFreeDimensions(List<ValueSignature> inputs) {
        java.util.Map<String, Long> sizes = new java.util.TreeMap<>();
        for (ValueSignature v : inputs) {
            v.shape().stream().skip(1).filter(d -> d instanceof Dim.Free).forEach(d -> sizes.put(((Dim.Free) d).name(), 64L));
        }
        return sizes.isEmpty() ? null : MaxSizes.of(sizes);
    }

    private static ModelTerms model(MaxSizes sizes, ValueSignature... inputs) {
        return new ModelTerms("cd".repeat(32), "test model", new ModelSignature(List.of(inputs),
                List.of(ValueSignature.tensor("y", ValueType.FLOAT32, Dim.unnamed())), sizes));
    }

    private static EnclavePolicy enclave() {
        return new EnclavePolicy(Platform.SIM, List.of(TestParties.MEASUREMENT), false, true);
    }

    private static SessionContract batch(ValueSignature... inputs) {
        return batch(null, inputs);
    }

    private static SessionContract batch(MaxSizes sizes, ValueSignature... inputs) {
        return SessionContract.draft(model(sizes, inputs), TestParties.MP.publicIdentity(), TestParties.DP.publicIdentity(), enclave(),
                KeyWrapSuite.MLKEM768_X25519, OutputPolicy.npz(), NOW.plus(Duration.ofHours(1)), SessionLimits.defaults().withMaxRows(1));
    }

    private static ServingContract serving(ValueSignature... inputs) {
        return serving(null, inputs);
    }

    private static ServingContract serving(MaxSizes sizes, ValueSignature... inputs) {
        return ServingContract.draft(model(sizes, inputs), TestParties.MP.publicIdentity(), enclave(), KeyWrapSuite.X25519,
                OutputPolicy.npz(), DataProviderAccess.only(List.of(TestParties.DP.publicIdentity())), new ServingBudget(1L, 1L),
                new ServingLimits(1, 60), NOW.plus(Duration.ofHours(1)));
    }
}
