package dev.veil.cli.demo;

import static dev.veil.cli.CliTest.veil;
import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.cli.CliTest;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Npy;
import dev.veil.tensor.NumericCsv;
import dev.veil.tensor.npz.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `veil demo` as a user runs it: the default digits run, and the user's own model and data. */
class DemoCommandTest {
    @TempDir
    Path dir;

    @Test
    void defaultDemoEndsWithAccuracyAndVerifiedReceipts() {
        CliTest.Result r = veil("demo", "--work", dir.resolve("work").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("accuracy 9\\d\\.\\d %").contains("result receipt verified offline")
                .contains("discard receipt verified offline");
        assertThat(r.err()).contains("INSECURE");
    }

    @Test
    void ownModelAndNpyDataGiveScoresEqualToPlainOnnxRuntime() throws Exception {
        Path model = Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx");
        float[] px = new float[3 * 3 * 48 * 192];
        Random rnd = new Random(8);
        for (int i = 0; i < px.length; i++) {
            px[i] = rnd.nextFloat();
        }
        FloatTensor input = new FloatTensor(new long[] {3, 3, 48, 192}, px);
        Path data = Files.write(dir.resolve("images.npy"), Npy.writeFloat32(input));
        Path out = dir.resolve("scores.npy");
        CliTest.Result r = veil("demo", "--model", model.toString(), "--data", data.toString(), "--out", out.toString(),
                "--max-size", CliTest.OCR_MAX_HEIGHT, "--max-size", CliTest.OCR_MAX_WIDTH, "--scores", "--work", dir.resolve("work").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Npy.read(Files.readAllBytes(out)).values())
                .containsExactly(PlaintextOrt.run(Files.readAllBytes(model), input, 256, 0));
    }

    @Test
    void ownModelAndCsvDataGiveLabelsEqualToPlainOnnxRuntime() throws Exception {
        byte[] model = Ceremony.digitsModel(5);
        Path modelFile = Files.write(dir.resolve("digits.onnx"), model);
        byte[] csv = Ceremony.evaluationData().featuresCsv();
        Path data = Files.write(dir.resolve("rows.csv"), csv);
        Path out = dir.resolve("labels.csv");
        CliTest.Result r = veil("demo", "--model", modelFile.toString(), "--data", data.toString(), "--out", out.toString(),
                "--work", dir.resolve("work").toString());
        assertThat(r.code()).as(r.err()).isZero();
        long[] labels = NumericCsv.readLabels(Files.readAllBytes(out));
        float[] plain = PlaintextOrt.run(model, NumericCsv.read(csv), 256, 0);
        for (int i = 0; i < labels.length; i++) {
            assertThat((float) labels[i]).as("row %d", i).isEqualTo(plain[i]);
        }
    }

    @Test
    void transformerWithNamedInputsFromAnNpzGivesEveryOutputByName() throws Exception {
        Path minilm = Path.of(System.getProperty("veil.testdata.dir"), "models", "minilm");
        Path out = dir.resolve("embeddings.npz");
        CliTest.Result unbounded = veil("demo", "--model", minilm.resolve("all-minilm-l6-v2-q.onnx").toString(),
                "--data", minilm.resolve("sample-8x128.npz").toString(), "--out", out.toString(), "--work", dir.resolve("work0").toString());
        assertThat(unbounded.code()).as("a free sequence length without a max size").isEqualTo(2);
        assertThat(unbounded.err()).contains("('sequence_length') is free").contains("(--max-size sequence_length=N)");
        assertThat(out).doesNotExist();
        CliTest.Result r = veil("demo", "--model", minilm.resolve("all-minilm-l6-v2-q.onnx").toString(), "--max-size", "sequence_length=128",
                "--data", minilm.resolve("sample-8x128.npz").toString(), "--out", out.toString(), "--work", dir.resolve("work").toString());
        assertThat(r.code()).as(r.err()).isZero();
        NamedTensors outputs = Npz.read(Files.readAllBytes(out), 1L << 30);
        assertThat(outputs.names()).isNotEmpty();
        assertThat(outputs.get(outputs.names().get(0)).shape()[0]).as("one row per input row").isEqualTo(8);
        CliTest.Result scored = veil("demo", "--model", minilm.resolve("all-minilm-l6-v2-q.onnx").toString(), "--max-size", "sequence_length=128",
                "--data", minilm.resolve("sample-8x128.npz").toString(), "--out", dir.resolve("o2.npz").toString(), "--scores",
                "--work", dir.resolve("work2").toString());
        assertThat(scored.code()).isEqualTo(2);
        assertThat(scored.err()).contains("--scores does not apply");
    }

    @Test
    void demoLeavesNoPlaintextModelOrDataAndOnlyOwnerOnlyFiles() throws Exception {
        byte[] model = Ceremony.digitsModel(6);
        Path modelFile = Files.write(dir.resolve("digits.onnx"), model);
        Path data = Files.write(dir.resolve("rows.csv"), Ceremony.evaluationData().featuresCsv());
        Path work = dir.resolve("work");
        Path out = dir.resolve("labels.csv");
        CliTest.Result r = veil("demo", "--model", modelFile.toString(), "--data", data.toString(), "--out", out.toString(),
                "--work", work.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).as("the DP's output").isEqualTo("rw-------");
        try (Stream<Path> files = Files.walk(work)) {
            for (Path f : files.filter(p -> Files.isRegularFile(p) && !p.startsWith(work.resolve("enclave"))).toList()) {
                String name = f.getFileName().toString();
                assertThat(name).as("a plaintext copy of the model or data").doesNotEndWith(".onnx").doesNotEndWith(".csv")
                        .doesNotEndWith(".npy");
                if (Files.size(f) > 0) {
                    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).as(f.toString()).isEqualTo("rw-------");
                }
            }
        }
    }

    @Test
    void demoKeepsAnExistingOutUnlessForced() throws Exception {
        Path modelFile = Files.write(dir.resolve("digits.onnx"), Ceremony.digitsModel(5));
        Path data = Files.write(dir.resolve("rows.csv"), Ceremony.evaluationData().featuresCsv());
        Path out = Files.writeString(dir.resolve("labels.csv"), "precious");
        CliTest.Result r = veil("demo", "--model", modelFile.toString(), "--data", data.toString(), "--out", out.toString(),
                "--work", dir.resolve("work").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).contains("--force");
        assertThat(Files.readString(out)).isEqualTo("precious");
        assertThat(dir.resolve("work")).as("nothing started").doesNotExist();
        CliTest.Result forced = veil("demo", "--model", modelFile.toString(), "--data", data.toString(), "--out", out.toString(),
                "--work", dir.resolve("work").toString(), "--force");
        assertThat(forced.code()).as(forced.err()).isZero();
        assertThat(Files.readString(out)).isNotEqualTo("precious");
    }

    @Test
    void badUserInputIsOneLineAndExitTwo() throws Exception {
        Path model = Files.write(dir.resolve("m.onnx"), new byte[] {1, 2, 3});
        Path data = Files.writeString(dir.resolve("d.csv"), "1,2\n3,4\n");
        CliTest.Result r = veil("demo", "--model", model.toString(), "--data", data.toString(), "--out", dir.resolve("o").toString(),
                "--work", dir.resolve("work").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines().filter(l -> l.startsWith("veil:"))).hasSize(1);
        assertThat(dir.resolve("o")).doesNotExist();
        // the MP's side failed while the DP's sealed on its own thread: the command returns only once both sides ended
        try (java.util.stream.Stream<Path> files = Files.walk(dir.resolve("work"))) {
            assertThat(files.map(f -> f.getFileName().toString())).as("a half-written file of a side still running")
                    .noneMatch(n -> n.contains("veil-partial"));
        }
        assertThat(veil("demo", "--model", model.toString()).err()).contains("--model, --data and --out go together");
    }

    /**
     * The demo does not parse the DP's file before the ceremony (the enclave parses it once, as it streams): a bad cell
     * past the head is found inside the enclave and reported to the DP alone, sealed, as one line; nothing is written.
     */
    @Test
    void badCellPastTheHeadComesBackFromTheEnclaveAsOneLine() throws Exception {
        Path modelFile = Files.write(dir.resolve("digits.onnx"), Ceremony.digitsModel(5));
        String row = "0" + ",0".repeat(63) + "\n";
        Path data = Files.writeString(dir.resolve("rows.csv"), row + row.replaceFirst("^0", "x"));
        Path out = dir.resolve("labels.csv");
        CliTest.Result r = veil("demo", "--model", modelFile.toString(), "--data", data.toString(), "--out", out.toString(),
                "--work", dir.resolve("work").toString());
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err().lines().filter(l -> l.startsWith("veil:"))).hasSize(1);
        assertThat(r.err()).contains("CSV line 2 column 1 is 'x'");
        assertThat(out).doesNotExist();
    }
}
