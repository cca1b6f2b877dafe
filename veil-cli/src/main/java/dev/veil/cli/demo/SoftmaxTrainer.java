package dev.veil.cli.demo;

import java.util.Random;

/**
 * Multinomial logistic regression trained with mini-batch gradient descent and momentum — enough to give the demo a
 * real classifier (about 95 % on held-out digits) without a training framework. Pixels are scaled by 1/16 during
 * training and the scale is folded into the exported weights, so the ONNX model takes raw pixel values.
 */
final class SoftmaxTrainer {
    private static final float SCALE = 1f / 16f;

    private SoftmaxTrainer() {
    }

    /** Returns {weights [F*C] row-major by feature, bias [C]}. */
    static float[][] train(DigitsData data, int epochs, long seed) {
        int f = DigitsData.FEATURES;
        int c = DigitsData.CLASSES;
        float[] w = new float[f * c];
        float[] b = new float[c];
        float[] vw = new float[f * c];
        float[] vb = new float[c];
        float lr = 0.5f;
        float momentum = 0.9f;
        float l2 = 1e-4f;
        int batch = 32;
        int n = data.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Random r = new Random(seed);
        float[] gw = new float[f * c];
        float[] gb = new float[c];
        float[] p = new float[c];
        for (int e = 0; e < epochs; e++) {
            for (int i = n - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int start = 0; start < n; start += batch) {
                int end = Math.min(n, start + batch);
                java.util.Arrays.fill(gw, 0);
                java.util.Arrays.fill(gb, 0);
                for (int k = start; k < end; k++) {
                    float[] x = data.features()[order[k]];
                    softmax(x, w, b, p);
                    p[data.labels()[order[k]]] -= 1f;
                    for (int i = 0; i < f; i++) {
                        float xi = x[i] * SCALE;
                        if (xi != 0) {
                            for (int cl = 0; cl < c; cl++) {
                                gw[i * c + cl] += xi * p[cl];
                            }
                        }
                    }
                    for (int cl = 0; cl < c; cl++) {
                        gb[cl] += p[cl];
                    }
                }
                float m = end - start;
                for (int i = 0; i < w.length; i++) {
                    vw[i] = momentum * vw[i] - lr * (gw[i] / m + l2 * w[i]);
                    w[i] += vw[i];
                }
                for (int cl = 0; cl < c; cl++) {
                    vb[cl] = momentum * vb[cl] - lr * gb[cl] / m;
                    b[cl] += vb[cl];
                }
            }
            lr *= 0.97f;
        }
        float[] exported = new float[f * c];
        for (int i = 0; i < exported.length; i++) {
            exported[i] = w[i] * SCALE;
        }
        return new float[][] {exported, b};
    }

    private static void softmax(float[] x, float[] w, float[] b, float[] out) {
        int c = out.length;
        float max = Float.NEGATIVE_INFINITY;
        for (int cl = 0; cl < c; cl++) {
            float z = b[cl];
            for (int i = 0; i < x.length; i++) {
                z += x[i] * SCALE * w[i * c + cl];
            }
            out[cl] = z;
            max = Math.max(max, z);
        }
        float sum = 0;
        for (int cl = 0; cl < c; cl++) {
            out[cl] = (float) Math.exp(out[cl] - max);
            sum += out[cl];
        }
        for (int cl = 0; cl < c; cl++) {
            out[cl] /= sum;
        }
    }
}
