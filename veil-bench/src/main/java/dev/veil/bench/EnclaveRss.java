package dev.veil.bench;

import dev.veil.cli.demo.LocalCeremony;
import dev.veil.enclave.JvmHeap;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.provider.ProviderFlow;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Peak resident memory of the enclave process over one session: the enclave runs alone in a fresh child JVM
 * ({@link EnclaveProcess}, with the heap settings {@code veil enclave} starts it with: {@link JvmHeap#OPTIONS}), the
 * providers run here, and Linux's VmHWM for the child is read
 * once the session is over. Its inference workers (child processes) are watched during the session: the largest
 * VmHWM any of them reached, read every 20 ms until each exits.
 */
final class EnclaveRss {
    private EnclaveRss() {
    }

    static BatchBench.PeakRss measure(Parties parties, Path dir, byte[] model, Path csv, long rows, int batch, int threads)
            throws Exception {
        Path work = dir.resolve("enclave-rss-" + rows);
        Path log = dir.resolve("enclave-rss-" + rows + ".log");
        ProcessBuilder pb = ChildJvm.java(EnclaveProcess.class, log, work.toString(), Integer.toString(batch), Integer.toString(threads));
        pb.command().addAll(1, JvmHeap.OPTIONS);
        Process p = pb.start();
        try (OutputStream keepAlive = p.getOutputStream()) {
            String first = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            if (first == null) {
                ChildJvm.requireExit(p, log, "the enclave process");
                throw new IllegalStateException("the enclave process exited without starting");
            }
            String[] portAndMeasurement = first.split(" ");
            if (!portAndMeasurement[1].equals(parties.measurement)) {
                throw new IllegalStateException("the child enclave's measurement differs from the benchmark's; are both on one class path?");
            }
            double idle = ChildJvm.statusMiB(p.pid(), "VmRSS");
            Parties.Assets a = parties.seal(model, Files.readAllBytes(csv));
            Thread.sleep(3000);   // the worker in reserve finishes starting
            double workerIdle = WorkerRss.current(p.pid());
            WorkerRss workerPeak = WorkerRss.watch(p.pid());
            long t = System.nanoTime();
            LocalCeremony.Run run = LocalCeremony.run("127.0.0.1", Integer.parseInt(portAndMeasurement[0]),
                    parties.contract(a, OutputPolicy.labels()), parties.mp, a.sealedModel(), a.modelKey(), parties.dp,
                    a.sealedData(), a.dataKey(), ProviderFlow.StepListener.NONE);
            double seconds = (System.nanoTime() - t) / 1e9;
            double workerMax = workerPeak.stop();
            run.requireSuccess();
            a.modelKey().close();
            a.dataKey().close();
            double peak = ChildJvm.statusMiB(p.pid(), "VmHWM");
            System.out.printf("  enclave process, %d rows: RSS after start %.1f MiB, peak %.1f MiB, session %.2f s; worker %.1f MiB"
                    + " before the model, peak %.1f MiB%n", rows, idle, peak, seconds, workerIdle, workerMax);
            return new BatchBench.PeakRss(rows, BatchBench.round(Files.size(csv) / (double) (1 << 20)), BatchBench.round(idle),
                    BatchBench.round(peak), BatchBench.round(seconds), BatchBench.round(workerIdle), BatchBench.round(workerMax));
        } finally {
            // closing its stdin stops the enclave
            ChildJvm.requireExit(p, log, "the enclave process");
        }
    }
}
