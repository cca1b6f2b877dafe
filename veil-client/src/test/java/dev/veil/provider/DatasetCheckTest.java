package dev.veil.provider;

import static org.assertj.core.api.Assertions.assertThat;
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
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.Npy;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The data provider's own check of its sealed dataset against the contract's signature, before any key moves. */
class DatasetCheckTest {
    private static final Identity MP = Identity.generate("mp", KeyWrapSuite.X25519);
    private static final Identity DP = Identity.generate("dp", KeyWrapSuite.X25519);

    private static SessionContract contractFor(ValueSignature input) {
        ModelSignature read = new ModelSignature(List.of(input), List.of(ValueSignature.tensor("y", ValueType.INT64, Dim.free("N"))));
        ModelSignature s = read.withMaxSizes(MaxSizes.everyFreeLaterDimension(read, 1 << 16));
        return SessionContract.draft(new ModelTerms("ab".repeat(32), "m", s), MP.publicIdentity(), DP.publicIdentity(),
                new EnclavePolicy(dev.veil.attest.Platform.SIM, List.of("cd".repeat(48)), false, true), KeyWrapSuite.X25519, OutputPolicy.labels(),
                Instant.now().plusSeconds(3600));
    }

    private static final SessionContract FOUR_FEATURES = contractFor(ValueSignature.tensor("features", ValueType.FLOAT32, Dim.free("N"), Dim.fixed(4)));
    private static final SessionContract IMAGES = contractFor(ValueSignature.tensor("x", ValueType.FLOAT32,
            Dim.free("N"), Dim.fixed(3), Dim.free("H"), Dim.free("W")));

    private static byte[] seal(byte[] plaintext, AssetKey key) {
        return new Sealer(4096).sealBytes(plaintext, key, ContentType.DATASET);
    }

    private static byte[] csv(int rows, int columns) {
        StringBuilder b = new StringBuilder();
        for (int c = 0; c < columns; c++) {
            b.append(c > 0 ? "," : "").append("f").append(c);
        }
        b.append('\n');
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                b.append(c > 0 ? "," : "").append((r * 7 + c) % 13 / 10.0);
            }
            b.append('\n');
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void fittingCsvAndNpyPass() {
        try (AssetKey key = AssetKey.generate()) {
            assertThatCode(() -> DatasetCheck.requireFits(FOUR_FEATURES, seal(csv(3, 4), key), key)).doesNotThrowAnyException();
            byte[] images = Npy.writeFloat32(new FloatTensor(new long[] {2, 3, 5, 7}, new float[2 * 3 * 5 * 7]));
            assertThatCode(() -> DatasetCheck.requireFits(IMAGES, seal(images, key), key)).doesNotThrowAnyException();
        }
    }

    @Test
    void csvWithTheWrongNumberOfColumnsIsRefusedInOneLine() {
        try (AssetKey key = AssetKey.generate()) {
            assertThatThrownBy(() -> DatasetCheck.requireFits(FOUR_FEATURES, seal(csv(3, 5), key), key))
                    .isInstanceOf(ProtocolException.class)
                    .hasMessage("your dataset's rows have shape [5] but the contract's model input 'features' float32 [N, 4] "
                            + "takes rows of shape [4]; nothing was released");
        }
    }

    @Test
    void npyOfTheWrongRankOrFixedSizeIsRefused() {
        try (AssetKey key = AssetKey.generate()) {
            byte[] flat = Npy.writeFloat32(new FloatTensor(new long[] {2, 105}, new float[210]));
            assertThatThrownBy(() -> DatasetCheck.requireFits(IMAGES, seal(flat, key), key))
                    .hasMessageContaining("rows have shape [105] but the contract's model input 'x' float32 [N, 3, H, W] takes rows of shape [3, H, W]");
            byte[] fourChannels = Npy.writeFloat32(new FloatTensor(new long[] {1, 4, 5, 7}, new float[4 * 5 * 7]));
            assertThatThrownBy(() -> DatasetCheck.requireFits(IMAGES, seal(fourChannels, key), key))
                    .hasMessageContaining("rows have shape [4, 5, 7]");
        }
    }

    @Test
    void onlyTheHeadIsNeededSoADatasetLargerThanTheHeadIsCheckedFromItsFirstRows() {
        // Rows after the head are never decrypted for the check: a bad row far beyond it does not matter here (the
        // enclave refuses it when it streams), while a header and first row that do not fit are found.
        byte[] good = csv(200_000, 4);
        byte[] tail = "1,2,3,oops\n".getBytes(StandardCharsets.US_ASCII);
        byte[] data = java.util.Arrays.copyOf(good, good.length + tail.length);
        System.arraycopy(tail, 0, data, good.length, tail.length);
        assertThat(data.length).isGreaterThan(DatasetCheck.HEAD_BYTES);
        try (AssetKey key = AssetKey.generate()) {
            assertThatCode(() -> DatasetCheck.requireFits(FOUR_FEATURES, seal(data, key), key)).doesNotThrowAnyException();
            assertThatThrownBy(() -> DatasetCheck.requireFits(contractFor(ValueSignature.tensor("features", ValueType.FLOAT32,
                    Dim.free("N"), Dim.fixed(3))), seal(data, key), key)).hasMessageContaining("rows have shape [4]");
        }
    }

    @Test
    void modelThatVeilCannotFeedIsRefusedBeforeAnyKeyMoves() {
        try (AssetKey key = AssetKey.generate()) {
            byte[] sealed = seal(csv(2, 4), key);
            assertThatThrownBy(() -> DatasetCheck.requireFits(contractFor(ValueSignature.tensor("ids", ValueType.INT64,
                    Dim.free("N"), Dim.fixed(4))), sealed, key)).hasMessageContaining("'ids' int64 [N, 4] is not float32");
        }
    }

    @Test
    void wrongKeyOrUnreadableDataIsOneLine() {
        try (AssetKey key = AssetKey.generate(); AssetKey other = AssetKey.generate()) {
            assertThatThrownBy(() -> DatasetCheck.requireFits(FOUR_FEATURES, seal(csv(2, 4), key), other))
                    .isInstanceOf(ProtocolException.class).hasMessageStartingWith("your sealed dataset cannot be opened: wrong key");
            assertThatThrownBy(() -> DatasetCheck.requireFits(FOUR_FEATURES, seal("1,2\n3\n".getBytes(StandardCharsets.US_ASCII), key), key))
                    .isInstanceOf(ProtocolException.class).hasMessageStartingWith("your dataset");
        }
    }
}
