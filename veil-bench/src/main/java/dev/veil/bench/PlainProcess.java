package dev.veil.bench;

import dev.veil.protocol.contract.OutputPolicy;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A plain ONNX Runtime process, the whole-process comparison point for {@code veil demo --model --data}: reads the
 * model, streams the data file through it with the plaintext pipeline, writes the encoded output to a file, exits.
 * Arguments: model, data, output file, {@code labels} or {@code scores}.
 */
public final class PlainProcess {
    private PlainProcess() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4 || !(args[3].equals("labels") || args[3].equals("scores"))) {
            System.err.println("usage: PlainProcess <model.onnx> <data.csv|.npy> <out> labels|scores");
            System.exit(2);
        }
        byte[] model = Files.readAllBytes(Path.of(args[0]));
        OutputPolicy policy = args[3].equals("scores") ? OutputPolicy.scores() : OutputPolicy.labels();
        Path out = Path.of(args[2]);
        try (OutputStream sink = new BufferedOutputStream(Files.newOutputStream(out), 1 << 16)) {
            // batch 256 and one thread per core: the defaults of the demo's enclave
            PlainPipeline.run(model, Path.of(args[1]), policy, 256, 0, out.toAbsolutePath().getParent(), sink);
        }
    }
}
