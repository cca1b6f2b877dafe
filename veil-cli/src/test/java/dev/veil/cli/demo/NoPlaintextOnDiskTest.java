package dev.veil.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.contract.OutputPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * After a full session, neither the enclave's working directory nor the JVM's temp directory holds any piece of the
 * plaintext model, dataset or output. (The build gives this test JVM a private java.io.tmpdir.) The model and data
 * are unique to this test, so any match can only come from the enclave.
 */
class NoPlaintextOnDiskTest {
    @Test
    void enclaveWritesNoPlaintextModelDataOrOutput() throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        Path enclaveDir = Files.createTempDirectory(tmp, "veil-noplain").resolve("enclave");
        byte[] model = Ceremony.digitsModel(31337);
        byte[] data = Ceremony.evaluationData().featuresCsv();
        byte[] output;
        try (Ceremony c = new Ceremony(enclaveDir)) {
            LocalCeremony.Run run = c.run(Ceremony.signed(c.contract(model, OutputPolicy.labels(), c.policy())), model, data);
            assertThat(run.dpError()).isNull();
            output = run.dp().result().output();
        }
        assertThat(Files.isDirectory(enclaveDir)).as("the enclave has its own work dir").isTrue();
        // Probes: the model's weight block (not its generic protobuf framing), a slice of the data, the whole output.
        List<byte[]> probes = List.of(slice(model, model.length / 2, 256), slice(data, data.length / 2, 256), output);
        assertThat(scan(List.of(enclaveDir, tmp), probes)).isEmpty();
        // The scan itself must be able to fail: a planted copy of the output is found.
        Files.write(enclaveDir.resolve("planted"), output);
        assertThat(scan(List.of(enclaveDir), probes)).hasSize(1);
        Files.delete(enclaveDir.resolve("planted"));
    }

    private static List<String> scan(List<Path> roots, List<byte[]> probes) throws IOException {
        List<String> hits = new ArrayList<>();
        for (Path root : roots) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    byte[] content = read(f);
                    for (int i = 0; i < probes.size(); i++) {
                        if (indexOf(content, probes.get(i)) >= 0) {
                            hits.add(f + " contains plaintext " + List.of("model", "dataset", "output").get(i));
                        }
                    }
                }
            }
        }
        return hits;
    }

    private static byte[] read(Path f) {
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            return new byte[0];   // vanished while scanning: a temp file of another thread
        }
    }

    private static byte[] slice(byte[] b, int from, int len) {
        return java.util.Arrays.copyOfRange(b, from, Math.min(b.length, from + len));
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
