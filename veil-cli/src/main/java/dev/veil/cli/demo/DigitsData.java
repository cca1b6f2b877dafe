package dev.veil.cli.demo;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * The UCI optical digits (1,797 images of 8×8 pixels, values 0–16, label last), as shipped in scikit-learn and copied
 * into this module's resources. Split once, deterministically, into the model provider's training part and the data
 * provider's evaluation part.
 */
record DigitsData(float[][] features, int[] labels) {
    static final int FEATURES = 64;
    static final int CLASSES = 10;

    static DigitsData load() throws IOException {
        try (InputStream in = DigitsData.class.getResourceAsStream("/demo/digits.csv.gz")) {
            if (in == null) {
                throw new IOException("demo data digits.csv.gz is missing from the build");
            }
            return parse(new GZIPInputStream(new ByteArrayInputStream(in.readAllBytes())).readAllBytes());
        }
    }

    static DigitsData parse(byte[] csv) {
        List<float[]> xs = new ArrayList<>();
        List<Integer> ys = new ArrayList<>();
        for (String line : new String(csv, StandardCharsets.US_ASCII).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split(",");
            float[] x = new float[FEATURES];
            for (int i = 0; i < FEATURES; i++) {
                x[i] = Float.parseFloat(cells[i]);
            }
            xs.add(x);
            ys.add((int) Float.parseFloat(cells[FEATURES]));
        }
        return new DigitsData(xs.toArray(new float[0][]), ys.stream().mapToInt(Integer::intValue).toArray());
    }

    int size() {
        return labels.length;
    }

    /** [0] = training part (80 %), [1] = evaluation part, shuffled with a fixed seed. */
    DigitsData[] split(long seed) {
        int n = size();
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        Random r = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        int cut = n * 4 / 5;
        return new DigitsData[] {subset(idx, 0, cut), subset(idx, cut, n)};
    }

    private DigitsData subset(int[] idx, int from, int to) {
        float[][] x = new float[to - from][];
        int[] y = new int[to - from];
        for (int i = from; i < to; i++) {
            x[i - from] = features[idx[i]];
            y[i - from] = labels[idx[i]];
        }
        return new DigitsData(x, y);
    }

    /** The features as CSV with a header, no labels: what the data provider sends. */
    byte[] featuresCsv() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < FEATURES; i++) {
            sb.append(i > 0 ? "," : "").append("pixel").append(i);
        }
        sb.append('\n');
        for (float[] x : features) {
            for (int i = 0; i < FEATURES; i++) {
                sb.append(i > 0 ? "," : "").append((int) x[i]);
            }
            sb.append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
