package dev.veil.cli.demo;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.veil.tensor.FloatTensor;
import java.nio.FloatBuffer;
import java.util.Map;

/** The baseline: plain ONNX Runtime on plaintext inputs, no Veil in between. */
final class PlaintextOrt {
    private PlaintextOrt() {
    }

    /** Runs the model in batches of {@code batch} rows and returns output {@code index} flattened as floats. */
    static float[] run(byte[] model, FloatTensor input, int batch, int index) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(model, new OrtSession.SessionOptions())) {
            String name = s.getInputNames().iterator().next();
            java.util.List<float[]> parts = new java.util.ArrayList<>();
            int total = 0;
            for (int from = 0; from < input.rows(); from += batch) {
                FloatTensor part = input.slice(from, Math.min(input.rows(), from + batch));
                try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(part.values()), part.shape());
                     OrtSession.Result r = s.run(Map.of(name, t))) {
                    OnnxTensor out = (OnnxTensor) r.get(index);
                    float[] v;
                    if (out.getInfo().type == ai.onnxruntime.OnnxJavaType.INT64) {
                        long[] l = new long[out.getLongBuffer().remaining()];
                        out.getLongBuffer().get(l);
                        v = new float[l.length];
                        for (int i = 0; i < l.length; i++) {
                            v[i] = l[i];
                        }
                    } else {
                        FloatBuffer fb = out.getFloatBuffer();
                        v = new float[fb.remaining()];
                        fb.get(v);
                    }
                    parts.add(v);
                    total += v.length;
                }
            }
            float[] all = new float[total];
            int off = 0;
            for (float[] p : parts) {
                System.arraycopy(p, 0, all, off, p.length);
                off += p.length;
            }
            return all;
        }
    }
}
