package dev.veil.enclave.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.tensor.ElementType;
import dev.veil.tensor.npz.NpyArray;
import dev.veil.tensor.npz.Npz;
import dev.veil.tensor.npz.NpzStream;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An .npz dataset larger than the whole heap of the JVM that runs it: a child JVM with a 64 MiB heap writes an .npz of
 * two arrays holding 8,000,000 rows (192 MB) to disk, runs it through {@link NpzBatch} from the file, and reads the
 * outputs' .npz (as large) back strictly. Holding either array, or an output, in memory fails with OutOfMemoryError.
 */
class NpzBoundedMemoryTest {
    static final long ROWS = 8_000_000;
    @TempDir
    Path root;

    @Test
    void npzLargerThanTheHeapRunsThroughTheModel() throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-Djava.io.tmpdir=" + root, "-cp", classpath, Child.class.getName(), root.toString(), Long.toString(ROWS));
        pb.redirectErrorStream(true).redirectOutput(root.resolve("child.log").toFile());
        Process p = pb.start();
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
        String log = Files.readString(root.resolve("child.log"));
        assertThat(p.exitValue()).as(log).isZero();
        assertThat(log).contains("rows " + ROWS, "output 'y' float32 [" + ROWS + ", 2]", "output 'c' int64 [" + ROWS + ", 2]");
    }

    /** Writes the dataset, runs it, reads the outputs back; all in a JVM whose heap is smaller than any of them. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            long rows = Long.parseLong(args[1]);
            Path dataset = dir.resolve("dataset.npz");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(dataset), 1 << 16)) {
                Npz.write(List.of(entry("a", ElementType.FLOAT32, rows), entry("b", ElementType.INT64, rows)), out);
            }
            Path output = dir.resolve("output.npz");
            byte[] model = TypedModels.twoInputs();
            try (ModelRunner r = new ModelRunner(model, Signatures.of(model), 1);
                 InputStream in = new BufferedInputStream(Files.newInputStream(dataset), 1 << 16);
                 OutputStream out = new BufferedOutputStream(Files.newOutputStream(output), 1 << 16)) {
                BatchPipeline.Outcome o = NpzBatch.run(in, () -> {
                    if (in.read() >= 0) {
                        throw new IOException("bytes after the archive");
                    }
                }, r, OutputPolicy.npz(), out, new NpzBatch.Limits(dir.resolve("spool"), 1 << 16, 4L << 20, rows, Long.MAX_VALUE,
                        Duration.ofMinutes(10)));
                System.out.println("rows " + o.inputRows());
            }
            try (InputStream in = new BufferedInputStream(Files.newInputStream(output), 1 << 16)) {
                for (NpzStream.Array a : NpzStream.read(in, Long.MAX_VALUE, array -> OutputStream.nullOutputStream())) {
                    System.out.println("output " + a);
                }
            }
        }

        /** rows × 2 values: element i is i mod 1000 (as float32, or int64). */
        private static Npz.Entry entry(String name, ElementType type, long rows) throws IOException {
            long[] shape = {rows, 2};
            CRC32 crc = new CRC32();
            crc.update(NpyArray.header(type, shape));
            byte[] buffer = new byte[1 << 16];
            try (InputStream data = values(type, rows * 2)) {
                for (int n; (n = data.read(buffer)) > 0; ) {
                    crc.update(buffer, 0, n);
                }
            }
            return new Npz.Entry(name, type, shape, (int) crc.getValue(), () -> values(type, rows * 2));
        }

        private static InputStream values(ElementType type, long count) {
            return new InputStream() {
                private final ByteBuffer element = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                private long index;
                private int at = type.byteSize();

                @Override
                public int read() {
                    if (at == type.byteSize()) {
                        if (index == count) {
                            return -1;
                        }
                        element.clear();
                        if (type == ElementType.FLOAT32) {
                            element.putFloat(0, index % 1000);
                        } else {
                            element.putLong(0, index % 1000);
                        }
                        index++;
                        at = 0;
                    }
                    return element.get(at++) & 0xff;
                }
            };
        }
    }
}
