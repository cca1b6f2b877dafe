package dev.veil.bench;

import dev.veil.cli.demo.DigitsDemo;
import dev.veil.protocol.contract.Dim;
import dev.veil.protocol.contract.ValueSignature;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The models {@code ./bench spark --model} runs, each with its rows: {@code digits} (the default), the digits softmax of
 * a few microseconds of ONNX Runtime a row, so the figures are of what Veil adds around the model — the worst case for
 * the ratio; {@code ocr}, testdata's PaddleOCR text-direction classifier, a small CNN of about a millisecond a row on
 * float32 [3, 48, 192] crops; {@code minilm}, testdata's quantized MiniLM-L6 sentence transformer on int64 token ids
 * [128] a row ({@link ServeSetup#request}'s rows, repeated), tens of milliseconds a row.
 */
enum SparkModels {
    DIGITS(1_000_000, 20_000, 256, 800),
    OCR(1_000, 200, 32, 64),
    MINILM(400, 48, 8, 16);

    /** The OCR classifier's crops are 3 × 48 × W (its width is free): PaddleOCR's own size for it is 192. */
    private static final long OCR_CROP_WIDTH = 192;

    /** Rows of the dataset by default, and with --quick. */
    final long defaultRows;
    final long quickRows;
    /** Rows a model run, on both sides. */
    final int rowsPerRun;
    /** Rows of the dataset whose job measures the fixed cost. */
    final int tinyRows;

    SparkModels(long defaultRows, long quickRows, int rowsPerRun, int tinyRows) {
        this.defaultRows = defaultRows;
        this.quickRows = quickRows;
        this.rowsPerRun = rowsPerRun;
        this.tinyRows = tinyRows;
    }

    String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The model by {@code --model}'s word, or null. */
    static SparkModels byId(String id) {
        for (SparkModels m : values()) {
            if (m.id().equals(id)) {
                return m;
            }
        }
        return null;
    }

    /** The ONNX model's bytes: trained (digits) or read from the repository's testdata under {@code root}. */
    byte[] model(Path root) throws Exception {
        return switch (this) {
            case DIGITS -> DigitsDemo.trainModel(5, 1);
            case OCR -> Files.readAllBytes(root.resolve("testdata/models/ocr-direction-cls.onnx"));
            case MINILM -> Files.readAllBytes(root.resolve("testdata/models/minilm/all-minilm-l6-v2-q.onnx"));
        };
    }

    /**
     * Writes the data provider's {@code rows} rows into {@code dir} and returns the file: a CSV for digits (the demo's
     * evaluation rows, repeated), an .npz for the others (one array per model input, rows on the first axis).
     */
    Path writeRows(Path root, Path dir, byte[] model, long rows) throws Exception {
        switch (this) {
            case DIGITS -> {
                Path csv = dir.resolve("rows.csv");
                DigitsCsv.write(csv, rows);
                return csv;
            }
            case OCR -> {
                ValueSignature input = OnnxSignatureReader.read(model).inputs().get(0);
                long[] shape = {rows, 3, 48, OCR_CROP_WIDTH};
                for (int i = 1; i < shape.length; i++) {
                    if (input.shape().get(i) instanceof Dim.Fixed f && f.size() != shape[i]) {
                        throw new IllegalStateException("the OCR classifier takes " + input.shape() + ", not [N, 3, 48, W]");
                    }
                }
                float[] v = new float[Math.toIntExact(Tensor.elementCount(shape))];
                Random r = new Random(9);
                for (int i = 0; i < v.length; i++) {
                    v[i] = r.nextFloat();
                }
                return npz(dir, NamedTensors.of(Tensor.ofFloats(input.name(), shape, v)));
            }
            default -> {
                // the serving benchmark's request: the sample's real tokens, every position attended, token types zero
                NamedTensors sample = Npz.read(ServeSetup.request(Files.readAllBytes(root.resolve("testdata/models/minilm/sample-8x128.npz"))),
                        1 << 26);
                List<Tensor> tiled = new ArrayList<>();
                for (Tensor t : sample.tensors()) {
                    long sampleRows = t.dim(0);
                    List<Tensor> parts = new ArrayList<>();
                    for (long at = 0; at < rows; at += sampleRows) {
                        parts.add(t.rows(0, Math.min(sampleRows, rows - at)));
                    }
                    tiled.add(Tensor.concatRows(parts));
                }
                return npz(dir, new NamedTensors(tiled));
            }
        }
    }

    private static Path npz(Path dir, NamedTensors rows) throws Exception {
        Path f = dir.resolve("rows.npz");
        Files.write(f, Npz.write(rows));
        return f;
    }
}
