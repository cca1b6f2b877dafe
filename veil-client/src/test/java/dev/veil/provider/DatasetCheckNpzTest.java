package dev.veil.provider;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.contract.Dim;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.MaxSizes;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.ValueSignature;
import dev.veil.protocol.contract.ValueType;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.Sealer;
import dev.veil.tensor.ElementType;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The data provider's check of an .npz dataset against a model of named inputs, before any key moves. */
class DatasetCheckNpzTest {
    private static final Identity MP = Identity.generate("mp", KeyWrapSuite.X25519);
    private static final Identity DP = Identity.generate("dp", KeyWrapSuite.X25519);
    /** A transformer's inputs: two int64 [batch, sequence], the sequence length named and so shared. */
    private static final SessionContract TOKENS = contract(
            ValueSignature.tensor("input_ids", ValueType.INT64, Dim.free("batch"), Dim.free("sequence")),
            ValueSignature.tensor("attention_mask", ValueType.INT64, Dim.free("batch"), Dim.free("sequence")));

    private static SessionContract contract(ValueSignature... inputs) {
        ModelSignature read = new ModelSignature(List.of(inputs), List.of(ValueSignature.tensor("y", ValueType.FLOAT32, Dim.free("batch"))));
        ModelSignature s = read.withMaxSizes(MaxSizes.everyFreeLaterDimension(read, 1 << 16));
        return SessionContract.draft(new ModelTerms("ab".repeat(32), "m", s), MP.publicIdentity(), DP.publicIdentity(),
                new EnclavePolicy(dev.veil.attest.Platform.SIM, List.of("cd".repeat(48)), false, true), KeyWrapSuite.X25519,
                OutputPolicy.npz(), Instant.now().plusSeconds(3600));
    }

    private static byte[] sealed(AssetKey key, Tensor... arrays) {
        return new Sealer(4096).sealBytes(Npz.write(NamedTensors.of(arrays)), key, ContentType.DATASET);
    }

    private static Tensor ids(String name, int rows, int length) {
        return Tensor.ofLongs(name, new long[] {rows, length}, new long[rows * length]);
    }

    @Test
    void fittingNpzPasses() {
        try (AssetKey key = AssetKey.generate()) {
            assertThatCode(() -> DatasetCheck.requireFits(TOKENS, sealed(key, ids("attention_mask", 3, 16), ids("input_ids", 3, 16)), key))
                    .doesNotThrowAnyException();
        }
    }

    @Test
    void missingInputIsRefusedBeforeAnyKeyMoves() {
        try (AssetKey key = AssetKey.generate()) {
            assertThatThrownBy(() -> DatasetCheck.requireFits(TOKENS, sealed(key, ids("input_ids", 3, 16)), key))
                    .isInstanceOf(ProtocolException.class)
                    .hasMessage("your data has no array 'attention_mask' for the contract's model input 'attention_mask' int64"
                            + " [batch, sequence]; nothing was released");
        }
    }

    @Test
    void wrongElementTypeIsRefused() {
        try (AssetKey key = AssetKey.generate()) {
            Tensor floats = Tensor.ofFloats("attention_mask", new long[] {3, 16}, new float[48]);
            assertThatThrownBy(() -> DatasetCheck.requireFits(TOKENS, sealed(key, ids("input_ids", 3, 16), floats), key))
                    .hasMessage("your array 'attention_mask' is float32 [3, 16] but the contract's model input is 'attention_mask'"
                            + " int64 [batch, sequence]: the element type differs; nothing was released");
        }
    }

    @Test
    void arraysOfDifferentRowCountsAreRefused() {
        try (AssetKey key = AssetKey.generate()) {
            assertThatThrownBy(() -> DatasetCheck.requireFits(TOKENS, sealed(key, ids("input_ids", 3, 16), ids("attention_mask", 2, 16)), key))
                    .hasMessageStartingWith("your arrays hold different numbers of rows: 'input_ids' 3, 'attention_mask' 2");
        }
    }

    @Test
    void sequenceLengthsThatDisagreeAreRefused() {
        try (AssetKey key = AssetKey.generate()) {
            assertThatThrownBy(() -> DatasetCheck.requireFits(TOKENS, sealed(key, ids("input_ids", 3, 16), ids("attention_mask", 3, 8)), key))
                    .hasMessageContaining("dimension 1 ('sequence') is 8 here but 16 in an earlier array");
        }
    }

    @Test
    void fixedBatchDimensionTakesAnyRowCount() {
        SessionContract fixedBatch = contract(ValueSignature.tensor("x", ValueType.BOOL, Dim.fixed(1), Dim.fixed(4)));
        try (AssetKey key = AssetKey.generate()) {
            Tensor x = new Tensor("x", ElementType.BOOL, new long[] {5, 4}, new byte[20]);
            assertThatCode(() -> DatasetCheck.requireFits(fixedBatch, sealed(key, x), key)).doesNotThrowAnyException();
        }
    }

    @Test
    void hostileArchiveIsOneLine() {
        byte[] zip = Npz.write(NamedTensors.of(ids("input_ids", 1, 1)));
        byte[] trailing = java.util.Arrays.copyOf(zip, zip.length + 1);
        assertThatThrownBy(() -> DatasetCheck.requireFits(TOKENS, trailing))
                .hasMessage("your dataset cannot be read: .npz has bytes after its end record; nothing was released");
    }

    @Test
    void outputPolicyThatCannotNameTheOutputsIsRefused() {
        SessionContract labels = SessionContract.draft(TOKENS.model(), MP.publicIdentity(), DP.publicIdentity(), TOKENS.enclave(),
                KeyWrapSuite.X25519, OutputPolicy.labels(), Instant.now().plusSeconds(3600));
        try (AssetKey key = AssetKey.generate()) {
            assertThatThrownBy(() -> DatasetCheck.requireFits(labels, sealed(key, ids("input_ids", 1, 4), ids("attention_mask", 1, 4)), key))
                    .hasMessage("your dataset is an .npz of named arrays, which gives every output by name, but the contract's"
                            + " output policy is labels; the contract needs output npz; nothing was released");
            SessionContract npzOfOneInput = contract(ValueSignature.tensor("x", ValueType.FLOAT32, Dim.free("N"), Dim.fixed(2)));
            byte[] csv = new Sealer(4096).sealBytes("1,2\n3,4\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII), key, ContentType.DATASET);
            assertThatThrownBy(() -> DatasetCheck.requireFits(npzOfOneInput, csv, key))
                    .hasMessageStartingWith("the contract's output policy npz gives every output by name for an .npz dataset");
        }
    }

    @Test
    void npzLargerThanTheHeadIsCheckedToItsEndRecord() {
        // The zip directory comes last: a damaged one far past the head is found before any key moves.
        byte[] zip = Npz.write(NamedTensors.of(ids("input_ids", 4096, 128), ids("attention_mask", 4096, 128)));
        zip[zip.length - 22 + 10] = 3;   // the end record counts three entries
        try (AssetKey key = AssetKey.generate()) {
            byte[] sealed = new Sealer(4096).sealBytes(zip, key, ContentType.DATASET);
            assertThatThrownBy(() -> DatasetCheck.requireFits(TOKENS, sealed, key))
                    .hasMessageStartingWith("your dataset cannot be read: .npz has an end record that does not match its zip directory");
        }
    }
}
