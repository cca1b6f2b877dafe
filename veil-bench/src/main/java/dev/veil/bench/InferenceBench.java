package dev.veil.bench;

import dev.veil.cli.demo.DigitsDemo;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.provider.ProviderFlow;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Confidential batch inference against plain ONNX Runtime, same model, data, batch size and threads, alternating in
 * one JVM. Confidential time is the whole session as the data provider sees it: attest, release, upload, unseal in
 * the enclave, infer, seal the results, verify the receipt, open the output (the model provider's side runs in
 * parallel). Plaintext time is session creation, parsing and the same batched runs.
 */
final class InferenceBench {
    private InferenceBench() {
    }

    static void run(Report report, Path dir, Path sharedDir, int digitsRepeat, int detImages, int reps, int threads) throws Exception {
        report.section("Confidential vs plaintext batch inference (" + threads + " ONNX Runtime threads, batch 256, sim TEE)");
        report.table("model", "data", "plaintext s", "confidential s", "throughput ratio (plain/conf)", "confidential rows/s");
        try (Parties parties = new Parties(dir.resolve("enclave"), 256, threads)) {
            byte[] digits = DigitsDemo.trainModel(60, 7);
            byte[] csv = DigitsDemo.evaluationCsv(digitsRepeat);
            compare(report, parties, "digits softmax (3 KB)", digits, csv, 360L * digitsRepeat, OutputPolicy.labels(), reps, threads,
                    360 * digitsRepeat + " rows CSV (" + csv.length / (1 << 20) + " MiB), labels out");

            byte[] det = Files.readAllBytes(sharedDir.resolve("models").resolve("ocr-text-det.onnx"));
            float[] px = new float[detImages * 3 * 640 * 640];
            Random r = new Random(9);
            for (int i = 0; i < px.length; i++) {
                px[i] = r.nextFloat();
            }
            byte[] npy = Npy.writeFloat32(new FloatTensor(new long[] {detImages, 3, 640, 640}, px));
            compare(report, parties, "PaddleOCR det v4 (4.7 MB CNN)", det, npy, detImages, OutputPolicy.scores(), reps, threads,
                    detImages + " images 3x640x640 .npy (" + npy.length / (1 << 20) + " MiB), scores out");
        }
        report.note("Ratio = plaintext time / confidential time (1.0 = no overhead; target >= 0.95). Medians of "
                + "the runs after one warm-up of each.");
    }

    private static void compare(Report report, Parties parties, String name, byte[] model, byte[] data, long rows,
                                OutputPolicy output, int reps, int threads, String dataLabel) throws Exception {
        List<Double> plain = new ArrayList<>();
        List<Double> conf = new ArrayList<>();
        for (int i = 0; i <= reps; i++) {
            long t = System.nanoTime();
            PlaintextBaseline.run(model, data, 256, threads);
            double p = (System.nanoTime() - t) / 1e9;
            Parties.Assets a = parties.seal(model, data);
            t = System.nanoTime();
            parties.session(a, output, ProviderFlow.StepListener.NONE);
            double c = (System.nanoTime() - t) / 1e9;
            a.modelKey().close();
            a.dataKey().close();
            if (i > 0) {
                plain.add(p);
                conf.add(c);
            }
        }
        double mp = Report.median(plain);
        double mc = Report.median(conf);
        report.row(name, dataLabel, mp, mc, mp / mc, rows / mc);
    }
}
