package dev.veil.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.TensorFiles;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * The comparison point: plain ONNX Runtime on plaintext bytes — create the session, parse the data, run it in the
 * same batches with the same thread count, and take the first output. No sealing, attestation or sockets.
 */
final class PlaintextBaseline {
    private PlaintextBaseline() {
    }

    /** Returns the number of output floats, so the work cannot be optimised away. */
    static long run(byte[] model, byte[] data, int batch, int threads) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        FloatTensor input = TensorFiles.read(data);
        long outputs = 0;
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(threads);
            try (OrtSession s = env.createSession(model, o)) {
                String name = s.getInputNames().iterator().next();
                for (int from = 0; from < input.rows(); from += batch) {
                    int to = Math.min(input.rows(), from + batch);
                    FloatTensor part = from == 0 && to == input.rows() ? input : input.slice(from, to);
                    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(part.values()), part.shape());
                         OrtSession.Result r = s.run(Map.of(name, t))) {
                        // read the first output into Java, as any caller of ONNX Runtime does
                        OnnxTensor out = (OnnxTensor) r.get(0);
                        if (out.getInfo().type == ai.onnxruntime.OnnxJavaType.INT64) {
                            java.nio.LongBuffer lb = out.getLongBuffer();
                            long[] v = new long[lb.remaining()];
                            lb.get(v);
                            outputs += v.length;
                        } else {
                            FloatBuffer fb = out.getFloatBuffer();
                            float[] v = new float[fb.remaining()];
                            fb.get(v);
                            outputs += v.length;
                        }
                    }
                }
            }
        }
        return outputs;
    }
}
