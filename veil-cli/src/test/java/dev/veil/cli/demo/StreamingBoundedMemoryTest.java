package dev.veil.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.VerificationOptions;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionLimits;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.provider.ProviderFlow;
import dev.veil.provider.SealedAsset;
import dev.veil.provider.TrustedCollateral;
import dev.veil.provider.replay.ReplayGuard;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.ProgressListener;
import dev.veil.seal.Sealer;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data provider's dataset larger than the whole heap of the JVM that runs the enclave goes through the ceremony: a
 * child JVM with a 128 MiB heap runs the sim enclave and both providers over a 1,500,000-row sealed CSV (about 220 MB
 * of plaintext, read from disk by the data provider). An enclave that held the dataset, or its parsed rows (384 MB of
 * floats), in memory fails with OutOfMemoryError; the streaming enclave gives every label, in input order.
 */
class StreamingBoundedMemoryTest {
    static final long ROWS = 1_500_000;
    @TempDir
    Path root;

    @Test
    void datasetLargerThanTheEnclavesHeapStreamsThroughTheCeremony() throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-Djava.io.tmpdir=" + root, "-Dveil.testdata.dir=" + System.getProperty("veil.testdata.dir"),
                "-cp", classpath, Child.class.getName(), root.toString(), Long.toString(ROWS));
        pb.redirectErrorStream(true).redirectOutput(root.resolve("child.log").toFile());
        Process p = pb.start();
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
        String log = Files.readString(root.resolve("child.log"));
        assertThat(p.exitValue()).as(log).isZero();
        assertThat(log).contains("labels in input order: " + ROWS);
    }

    /** The whole ceremony in one JVM whose heap is smaller than the dataset. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            long rows = Long.parseLong(args[1]);
            byte[] model = Ceremony.digitsModel(3);
            String[] block = new String(Ceremony.evaluationData().featuresCsv(), StandardCharsets.US_ASCII).split("\n");
            String header = block[0];
            String[] body = Arrays.copyOfRange(block, 1, block.length);
            Path csv = dir.resolve("data.csv");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(csv), 1 << 16)) {
                out.write((header + "\n").getBytes(StandardCharsets.US_ASCII));
                for (long i = 0; i < rows; i++) {
                    out.write((body[(int) (i % body.length)] + "\n").getBytes(StandardCharsets.US_ASCII));
                }
            }
            long plaintextBytes = Files.size(csv);
            if (plaintextBytes <= Runtime.getRuntime().maxMemory()) {
                throw new IllegalStateException("the dataset must be larger than the heap to prove anything");
            }
            Path sealed = dir.resolve("data.veil");
            try (AssetKey mk = AssetKey.generate(); AssetKey dk = AssetKey.generate();
                 Ceremony c = new Ceremony(dir.resolve("enclave"))) {
                new Sealer().sealFile(csv, sealed, dk, ContentType.DATASET, ProgressListener.NONE);
                Files.delete(csv);
                SignedContract contract = Ceremony.signed(c.contract(model, OutputPolicy.labels(), c.policy(), SessionLimits.defaults()));
                byte[] sealedModel = new Sealer().sealBytes(model, mk, ContentType.MODEL);
                VerificationOptions now = VerificationOptions.now();
                CompletableFuture<ProviderFlow.Outcome> mp = CompletableFuture.supplyAsync(() -> {
                    try {
                        return ProviderFlow.run(Ceremony.MP, Role.MODEL_PROVIDER, contract, "127.0.0.1", c.enclave.port(), sealedModel,
                                mk, now, ProviderFlow.StepListener.NONE);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                Path labelsFile = dir.resolve("labels.csv");
                ProviderFlow.Outcome dp;
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(labelsFile), 1 << 16)) {
                    dp = ProviderFlow.run(Ceremony.DP, Role.DATA_PROVIDER, contract, "127.0.0.1", c.enclave.port(),
                            SealedAsset.of(sealed), dk, now, TrustedCollateral.NONE, ReplayGuard.NONE, out, ProviderFlow.StepListener.NONE);
                }
                mp.get(5, TimeUnit.MINUTES);
                String[] firstBlock = new String[body.length];
                long count = 0;
                try (BufferedReader labels = Files.newBufferedReader(labelsFile, StandardCharsets.US_ASCII)) {
                    for (String label = labels.readLine(); label != null; label = labels.readLine(), count++) {
                        int inBlock = (int) (count % body.length);
                        if (count < body.length) {
                            firstBlock[inBlock] = label;
                        } else if (!label.equals(firstBlock[inBlock])) {
                            throw new IllegalStateException("label " + count + " is not its row's: rows out of order");
                        }
                    }
                }
                if (count != rows || dp.result().rows() != rows) {
                    throw new IllegalStateException(count + " labels for " + rows + " rows");
                }
                System.out.println("dataset " + plaintextBytes + " bytes, heap " + Runtime.getRuntime().maxMemory()
                        + " bytes; labels in input order: " + count);
            }
        }
    }
}
