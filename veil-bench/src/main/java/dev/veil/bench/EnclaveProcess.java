package dev.veil.bench;

import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.EnclaveServer;
import dev.veil.enclave.evidence.CodeMeasurement;
import dev.veil.protocol.json.Digests;
import java.nio.file.Path;

/**
 * The benchmark's enclave alone in its own JVM, so its peak RSS is its own: starts a sim enclave with the settings
 * of {@link Parties} (hence the same measurement), prints "port measurement" on one line, and runs until its
 * standard input closes. Arguments: work directory, batch size, ONNX Runtime threads.
 */
public final class EnclaveProcess {
    private EnclaveProcess() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: EnclaveProcess <work-dir> <batch> <threads>");
            System.exit(2);
        }
        EnclaveConfig config = Parties.enclaveConfig(Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]));
        try (EnclaveServer enclave = EnclaveServer.start(config, EnclaveServer.evidenceSourceFor(config))) {
            System.out.println(enclave.port() + " " + Digests.hex(CodeMeasurement.compute(config)));
            System.out.flush();
            while (System.in.read() >= 0) {
                // the parent holds stdin open for as long as the enclave should run
            }
        }
    }
}
