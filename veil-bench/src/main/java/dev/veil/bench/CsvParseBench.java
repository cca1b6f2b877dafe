package dev.veil.bench;

import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.NumericCsv;
import dev.veil.tensor.stream.RowReader;
import dev.veil.tensor.stream.RowReaders;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * CSV parsing throughput on a generated digits-like dataset (64 pixel cells of 0..16 and a label per row, as
 * testdata/data/digits.csv.gz): the whole-line reader Veil used before issue 11 (a String per line and per cell,
 * Float.parseFloat) against the byte parser, whole-buffer and streamed from the file through one buffer. Warm JVM:
 * each case runs twice untimed first. MB/s counts the CSV's bytes; the CPU column divides them by the parsing
 * thread's CPU time (garbage collection runs on other threads and is only in the wall-clock figures).
 *
 * <p>{@code java -cp veil-bench/target/veil-bench.jar dev.veil.bench.CsvParseBench [rows] [timed runs]}
 */
final class CsvParseBench {
    private static final int WARM_UP = 2;
    /** CPU time of the parsing thread: on a shared machine it moves less than the wall clock does. */
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private CsvParseBench() {
    }

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path dir = Files.createTempDirectory("veil-csv-bench-");
        try {
            Report report = new Report();
            run(report, dir, rows, runs);
        } finally {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    static void run(Report report, Path dir, int rows, int runs) throws Exception {
        Path csv = dir.resolve("digits-like.csv");
        writeDigitsLike(csv, rows);
        long bytes = Files.size(csv);
        double mb = bytes / 1e6;
        report.section("CSV parsing, " + rows + " digits-like rows of 65 cells (" + String.format("%.1f", mb)
                + " MB), warm JVM, median of " + runs);
        report.table("case", "MB/s", "seconds", "MB per CPU-second of the parsing thread", "peak heap MiB", "speed-up");
        List<Case> cases = List.of(
                new Case("whole-line reader before issue 11 (String per cell), from a byte[]", () -> checkedRows(
                        lineReader(Files.readAllBytes(csv)), rows)),
                new Case("NumericCsv.read (byte parser), from a byte[]", () -> checkedRows(
                        NumericCsv.read(Files.readAllBytes(csv)).rows(), rows)),
                new Case("RowReaders.open streamed from the file, batches of 256 rows", () -> checkedRows(streamed(csv), rows)));
        double baseline = 0;
        for (Case c : cases) {
            for (int i = 0; i < WARM_UP; i++) {
                c.body.run();
            }
            List<Double> seconds = new ArrayList<>();
            List<Double> cpuSeconds = new ArrayList<>();
            double peak = 0;
            for (int i = 0; i < runs; i++) {
                Heap.reset();
                long cpu = THREADS.getCurrentThreadCpuTime();
                long t = System.nanoTime();
                c.body.run();
                seconds.add((System.nanoTime() - t) / 1e9);
                cpuSeconds.add((THREADS.getCurrentThreadCpuTime() - cpu) / 1e9);
                peak = Math.max(peak, Heap.peakMiB());
            }
            double s = Report.median(seconds);
            if (baseline == 0) {
                baseline = s;
            }
            report.row(c.name, mb / s, s, mb / Report.median(cpuSeconds), peak, String.format("%.1fx", baseline / s));
        }
    }

    private record Case(String name, Body body) {
    }

    private interface Body {
        void run() throws Exception;
    }

    private static void checkedRows(long got, int want) {
        if (got != want) {
            throw new IllegalStateException("read " + got + " rows, wrote " + want);
        }
    }

    private static long streamed(Path csv) throws Exception {
        try (InputStream in = Files.newInputStream(csv); RowReader r = RowReaders.open(in)) {
            float[] batch = new float[256 * r.rowSize()];
            while (r.read(batch, 256) > 0) {
                // the pipeline would hand the batch to ONNX Runtime here
            }
            return r.rowsRead();
        }
    }

    /** The CSV reader as it was before issue 11, for comparison: a String per line and per cell. */
    private static long lineReader(byte[] csv) throws Exception {
        List<float[]> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new ByteArrayInputStream(csv), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = line.split(",", -1);
                float[] row = new float[cells.length];
                for (int c = 0; c < cells.length; c++) {
                    row[c] = Float.parseFloat(cells[c].strip());
                }
                out.add(row);
            }
        }
        float[] values = new float[out.size() * out.get(0).length];
        for (int i = 0; i < out.size(); i++) {
            System.arraycopy(out.get(i), 0, values, i * out.get(0).length, out.get(0).length);
        }
        return new FloatTensor(new long[] {out.size(), out.get(0).length}, values).rows();
    }

    /** Rows of 64 pixel intensities 0..16, mostly zeros at the borders as in the digits set, then a label. */
    private static void writeDigitsLike(Path csv, int rows) throws Exception {
        Random random = new Random(64);
        StringBuilder line = new StringBuilder(256);
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(csv), 1 << 16)) {
            for (int r = 0; r < rows; r++) {
                line.setLength(0);
                for (int p = 0; p < 64; p++) {
                    int x = p % 8;
                    boolean border = x == 0 || x == 7;
                    line.append(border && random.nextInt(4) > 0 ? 0 : random.nextInt(17)).append(',');
                }
                line.append(random.nextInt(10)).append('\n');
                out.write(line.toString().getBytes(StandardCharsets.US_ASCII));
            }
        }
    }
}
