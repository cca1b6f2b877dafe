package dev.veil.cli.demo;

import static dev.veil.cli.CliTest.veil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.cli.CliTest;
import dev.veil.enclave.inference.ModelRunner;
import dev.veil.protocol.contract.Dim;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.contract.ValueSignature;
import dev.veil.protocol.contract.ValueType;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's model signature: read from the digits model as ONNX Runtime sees it, and checked before any key moves. */
class DemoSignatureCheckTest {
    @TempDir
    Path dir;

    @Test
    void digitsModelSignatureIsWhatOnnxRuntimeLoads() throws Exception {
        byte[] model = Ceremony.digitsModel(5);
        ModelSignature read = OnnxSignatureReader.read(model);
        assertThat(read).isEqualTo(new ModelSignature(
                List.of(ValueSignature.tensor("features", ValueType.FLOAT32, Dim.free("N"), Dim.fixed(64))),
                List.of(ValueSignature.tensor("label", ValueType.INT64, Dim.free("N")),
                        ValueSignature.tensor("probabilities", ValueType.FLOAT32, Dim.free("N"), Dim.fixed(10)))));
        try (ModelRunner r = new ModelRunner(model, read, 1, dir)) {
            assertThat(r.inputShape()).containsExactly(-1, 64);
        }
    }

    @Test
    void readerRefusesWhatOnnxRuntimeWouldLoadDifferentlyRatherThanGuess() {
        // A second ValueInfo.name field: protobuf parsers keep the last, so this reader refuses instead of choosing.
        byte[] twoNames = new Protobuf().varint(1, 8).message(7, new Protobuf()
                .message(11, new Protobuf().string(1, "a").string(1, "b").message(2, new Protobuf().message(1,
                        new Protobuf().varint(1, 1)))))
                .toBytes();
        assertThatThrownBy(() -> OnnxSignatureReader.read(twoNames))
                .hasMessageContaining("sets the input or output name twice");
        byte[] bothSizeAndName = new Protobuf().varint(1, 8).message(7, new Protobuf()
                .message(11, new Protobuf().string(1, "x").message(2, new Protobuf().message(1, new Protobuf().varint(1, 1)
                        .message(2, new Protobuf().message(1, new Protobuf().varint(1, 4).string(2, "N"))))))
                .message(12, new Protobuf().string(1, "y").message(2, new Protobuf().message(1, new Protobuf().varint(1, 1)))))
                .toBytes();
        assertThatThrownBy(() -> OnnxSignatureReader.read(bothSizeAndName))
                .hasMessageContaining("a dimension with both a size and a name");
        byte[] negative = new Protobuf().varint(1, 8).message(7, new Protobuf()
                .message(11, new Protobuf().string(1, "x").message(2, new Protobuf().message(1, new Protobuf().varint(1, 1)
                        .message(2, new Protobuf().message(1, new Protobuf().varint(1, -3))))))
                .message(12, new Protobuf().string(1, "y").message(2, new Protobuf().message(1, new Protobuf().varint(1, 1)))))
                .toBytes();
        assertThatThrownBy(() -> OnnxSignatureReader.read(negative))
                .hasMessageContaining("fixed sizes are 0 or more");
    }

    @Test
    void graphInputThatIsAnInitializerIsNotInTheSignature() throws Exception {
        // y = x + W with W an initializer that is also listed as a graph input (as models of IR version < 4 do): W is
        // a weight, not something the data provider feeds, and ONNX Runtime does not list it as an input either.
        Protobuf graph = new Protobuf()
                .message(1, new Protobuf().string(1, "x").string(1, "W").string(2, "y").string(3, "add").string(4, "Add"))
                .string(2, "initializer-input")
                .message(5, new Protobuf().varint(1, 4).varint(2, 1).string(8, "W").bytes(9, new byte[16]))
                .message(11, valueInfo("x", new Protobuf().message(1, new Protobuf().string(2, "N")).message(1, new Protobuf().varint(1, 4))))
                .message(11, valueInfo("W", new Protobuf().message(1, new Protobuf().varint(1, 4))))
                .message(12, valueInfo("y", new Protobuf().message(1, new Protobuf().string(2, "N")).message(1, new Protobuf().varint(1, 4))));
        byte[] model = new Protobuf().varint(1, 8).message(7, graph).message(8, new Protobuf().string(1, "").varint(2, 13)).toBytes();
        ModelSignature read = OnnxSignatureReader.read(model);
        assertThat(read.inputs()).containsExactly(ValueSignature.tensor("x", ValueType.FLOAT32, Dim.free("N"), Dim.fixed(4)));
        try (ModelRunner r = new ModelRunner(model, read, 1, dir)) {
            assertThat(r.inputShape()).containsExactly(-1, 4);
        }
    }

    private static Protobuf valueInfo(String name, Protobuf shape) {
        return new Protobuf().string(1, name).message(2, new Protobuf().message(1, new Protobuf().varint(1, 1).message(2, shape)));
    }

    @Test
    void demoRefusesDataThatDoesNotFitTheModelBeforeTheCeremony() throws Exception {
        Path model = Files.write(dir.resolve("digits.onnx"), Ceremony.digitsModel(5));
        Path data = Files.writeString(dir.resolve("rows.csv"), "0.1,0.2,0.3\n0.4,0.5,0.6\n");
        Path out = dir.resolve("labels.csv");
        CliTest.Result r = veil("demo", "--model", model.toString(), "--data", data.toString(), "--out", out.toString(),
                "--work", dir.resolve("work").toString());
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("veil: your dataset's rows have shape [3] but the contract's model input 'features' "
                + "float32 [N, 64] takes rows of shape [64]; nothing was released");
        assertThat(r.out()).doesNotContain("release key").doesNotContain("ceremony over loopback");
        assertThat(out).doesNotExist();
    }
}
