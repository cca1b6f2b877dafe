package dev.veil.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.Npy;
import dev.veil.tensor.TensorFiles;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The whole-process baseline of {@code ./bench startup}: what a plain ONNX Runtime program does with the demo's
 * inputs, in a JVM of its own: {@code MODEL DATA OUT} reads the model and the data, runs the first output in batches of
 * 256 with 2 threads and writes it as one .npy. No sealing, keys, attestation or sockets; ORT extracts its native
 * libraries its own way.
 */
public final class PlainOrtProcess {
    private PlainOrtProcess() {
    }

    public static void main(String[] args) throws Exception {
        byte[] model = Files.readAllBytes(Path.of(args[0]));
        FloatTensor input = TensorFiles.read(Files.readAllBytes(Path.of(args[1])));
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<FloatTensor> parts = new ArrayList<>();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(2);
            try (OrtSession s = env.createSession(model, o)) {
                String name = s.getInputNames().iterator().next();
                for (int from = 0; from < input.rows(); from += 256) {
                    int to = Math.min(input.rows(), from + 256);
                    FloatTensor part = from == 0 && to == input.rows() ? input : input.slice(from, to);
                    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(part.values()), part.shape());
                         OrtSession.Result r = s.run(Map.of(name, t))) {
                        OnnxTensor out = (OnnxTensor) r.get(0);
                        FloatBuffer fb = out.getFloatBuffer();
                        float[] v = new float[fb.remaining()];
                        fb.get(v);
                        parts.add(new FloatTensor(out.getInfo().getShape(), v));
                    }
                }
            }
        }
        long[] shape = parts.get(0).shape();
        Files.write(Path.of(args[2]), Npy.writeFloat32(FloatTensor.concatRows(parts, Arrays.copyOfRange(shape, 1, shape.length))));
    }
}
