package dev.veil.enclave.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.inference.ModelRunner;
import dev.veil.enclave.inference.ProtoWriter;
import dev.veil.enclave.inference.Signatures;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.Sealer;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack (hostile model provider, querying as a data provider itself or with one that colludes): ONNX Runtime's random
 * kernels (RandomUniformLike and the like) keep their generator from run to run of a session, and a serving instance
 * runs every data provider's requests in one session. A model that draws as many numbers as a victim's cell says (a
 * RandomUniformLike over an Expand to the cell's value), seeded by the model provider, advances the generator by the
 * victim's value; the model provider's next request reads the next draw in its own answer, and knows from the seed
 * how many draws came before: the victim's cell. The coalescer keeps data providers out of each other's runs
 * ({@code BatchDependentModelAttackTest}); this is the same leak between runs. Expected: a serving instance refuses a
 * model whose run keeps state for the next one (a random kernel, or a Dropout told to train), before it is loaded.
 */
class RandomStateAcrossRequestsAttackTest {
    @TempDir
    Path dir;

    @Test
    void aSeededRandomKernelCarriesOneRequestsCellIntoTheNextRequestsAnswer() throws Exception {
        byte[] model = drawsAsManyAsTheCell();
        // What ONNX Runtime does: the second request's answer is a function of the first request's cell.
        float afterThree = secondAnswer(model, 3f);
        float afterFive = secondAnswer(model, 5f);
        assertThat(afterThree).as("the next draw after 3 draws, against after 5").isNotEqualTo(afterFive);

        try (AssetKey key = AssetKey.generate()) {
            byte[] sealed = new Sealer().sealBytes(model, key, ContentType.MODEL);
            ModelTerms terms = new ModelTerms(Digests.hex(Digests.sha256(model)), "draws", Signatures.of(model));
            assertThatThrownBy(() -> SealedModelLoader.load(key, new ByteArrayInputStream(sealed), terms,
                    EnclaveConfig.simDefaults(dir.resolve("enclave"))).close())
                    .as("a serving instance refuses to load it")
                    .isInstanceOfSatisfying(ServingFailure.class, e -> {
                        assertThat(e.reason()).isEqualTo(FailureCode.MODEL_INVALID.id());
                        assertThat(e.getMessage()).contains("RandomUniformLike");
                    });
        }
    }

    /** A fresh session: a first request with {@code firstCell}, then the answer to a request with cell 1. */
    private static float secondAnswer(byte[] model, float firstCell) throws Exception {
        try (ModelRunner runner = new ModelRunner(model, Signatures.of(model), 1)) {
            runner.run(cell(firstCell)).wipe();
            return runner.run(cell(1f)).get("y").floats()[0];
        }
    }

    private static NamedTensors cell(float value) {
        return NamedTensors.of(Tensor.ofFloats("x", new long[] {1, 1}, new float[] {value}));
    }

    /**
     * x: float32 [N, 1]; y = ReduceMax(RandomUniformLike(Expand(x, Concat([1], Reshape(Cast(x, int64), [-1]))), seed 7),
     * axis 1): for one row, as many draws as the cell's value, the last one's neighbours in y.
     */
    static byte[] drawsAsManyAsTheCell() {
        ProtoWriter minusOne = new ProtoWriter().varint(1, 1).varint(2, 7).string(8, "minus_one")
                .bytes(9, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array());
        ProtoWriter one = new ProtoWriter().varint(1, 1).varint(2, 7).string(8, "one")
                .bytes(9, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1).array());
        ProtoWriter graph = new ProtoWriter()
                .message(1, node("Cast", "c", "x").message(5, new ProtoWriter().string(1, "to").varint(3, 7).varint(20, 2)))
                .message(1, node("Reshape", "n", "c", "minus_one"))
                .message(1, node("Concat", "s", "one", "n").message(5, new ProtoWriter().string(1, "axis").varint(3, 0).varint(20, 2)))
                .message(1, node("Expand", "e", "x", "s"))
                .message(1, node("RandomUniformLike", "u", "e").message(5, new ProtoWriter().string(1, "seed").fixed32(2, 7f).varint(20, 1)))
                .message(1, node("ReduceMax", "y", "u").message(5, new ProtoWriter().string(1, "axes").varint(8, 1).varint(20, 7)))
                .string(2, "draws-as-many-as-the-cell")
                .message(5, minusOne)
                .message(5, one)
                .message(11, value("x"))
                .message(12, value("y"));
        return new ProtoWriter().varint(1, 8).string(2, "veil-test").message(7, graph)
                .message(8, new ProtoWriter().string(1, "").varint(2, 13)).toBytes();
    }

    private static ProtoWriter node(String op, String output, String... inputs) {
        ProtoWriter n = new ProtoWriter();
        Arrays.stream(inputs).forEach(i -> n.string(1, i));
        return n.string(2, output).string(3, op.toLowerCase() + "_" + output).string(4, op);
    }

    /** float32 [N, 1] */
    private static ProtoWriter value(String name) {
        ProtoWriter shape = new ProtoWriter().message(1, new ProtoWriter().string(2, "N")).message(1, new ProtoWriter().varint(1, 1));
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, new ProtoWriter().varint(1, 1).message(2, shape)));
    }
}
