package dev.veil.cli.demo;

import java.io.IOException;

/** The demo's model and data for other harnesses (benchmarks): a trained digits classifier and its evaluation rows. */
public final class DigitsDemo {
    private DigitsDemo() {
    }

    /** A softmax classifier trained on the demo's training split, as ONNX bytes. */
    public static byte[] trainModel(int epochs, long seed) throws IOException {
        DigitsData[] split = DigitsData.load().split(42);
        float[][] wb = SoftmaxTrainer.train(split[0], epochs, seed);
        return OnnxWriter.softmaxClassifier(wb[0], wb[1], DigitsData.FEATURES, DigitsData.CLASSES);
    }

    /** The evaluation rows as CSV (with header), repeated {@code times} to make a larger dataset. */
    public static byte[] evaluationCsv(int times) throws IOException {
        byte[] one = DigitsData.load().split(42)[1].featuresCsv();
        int headerEnd = new String(one, java.nio.charset.StandardCharsets.US_ASCII).indexOf('\n') + 1;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(one.length * times);
        out.write(one, 0, one.length);
        for (int i = 1; i < times; i++) {
            out.write(one, headerEnd, one.length - headerEnd);
        }
        return out.toByteArray();
    }
}
