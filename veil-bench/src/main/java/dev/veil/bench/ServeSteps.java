package dev.veil.bench;

import dev.veil.enclave.keys.InstanceKeyPairs;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.serving.OpenedRequest;
import dev.veil.protocol.serving.ReplayGuard;
import dev.veil.protocol.serving.SealedAnswer;
import dev.veil.protocol.serving.SealedRequest;
import dev.veil.protocol.serving.ServingClient;
import dev.veil.protocol.serving.ServingGateway;
import dev.veil.protocol.serving.ServingResponse;
import dev.veil.protocol.servinghttp.LogReceipt;
import dev.veil.protocol.translog.LeafCommitments;
import dev.veil.protocol.translog.LeafSalts;
import dev.veil.protocol.translog.LogInclusion;
import dev.veil.protocol.translog.LogVerifier;
import dev.veil.protocol.translog.TransparencyLog;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;

/**
 * What confidentiality costs one request, step by step, on one thread with nothing else running in this JVM and no
 * model: the protocol's own code on the serving contract of the benchmark, a MiniLM request and an answer of MiniLM's
 * size (float32 8 × 128 × 384). This is the added latency of an uncontended request; under load it is also the CPU
 * each request takes from the model. Reading the request's and writing the answer's {@code .npz} is left out: the
 * plaintext baseline does it too. Steps run as the server and client run them: the answer's output sealed on a second
 * core while the server hashes it, the client's output hash on a second core while it checks the receipt, and the
 * request's HPKE encapsulation made ahead (timed apart, off the request's path).
 */
final class ServeSteps {
    /** One step's median and mean over the measured requests, in milliseconds. */
    record Step(String name, double medianMs, double meanMs) {
    }

    private ServeSteps() {
    }

    static List<Step> measure(ServeSetup s, int warm, int measured) throws Exception {
        Map<String, List<Double>> times = new LinkedHashMap<>();
        String[] names = {"data provider: seal the request (in an HPKE encapsulation made ahead) and sign it (Ed25519)",
            "enclave: open the request (HPKE), parse it, verify its signature, replay guard",
            "enclave: commit to request and answer (SHA-256), append to the log, sign a tree head, receipt JSON, while a "
                + "second core seals the answer's output (HKDF, AES-256-GCM); then seal the receipt",
            "data provider: open the answer (AES-256-GCM)",
            "data provider: check the receipt (head signature, inclusion proof, commitments; the output hashed on a second core)"};
        String ahead = "off the request path: the next request's HPKE encapsulation (not in the sum)";
        for (String n : names) {
            times.put(n, new ArrayList<>());
        }
        List<Double> aheadTimes = new ArrayList<>();
        float[] values = new float[ServeSetup.ROWS * ServeSetup.TOKENS * 384];
        Random random = new Random(1);
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextFloat();
        }
        byte[] answer = Npz.write(NamedTensors.of(Tensor.ofFloats("last_hidden_state",
                new long[] {ServeSetup.ROWS, ServeSetup.TOKENS, 384}, values)));
        ExecutorService secondCore = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "serve-steps-second-core");
            t.setDaemon(true);
            return t;
        });
        try (InstanceKeyPairs keys = new InstanceKeyPairs(s.contract.contract().keyWrap())) {
            ServingGateway gateway = new ServingGateway(s.contract, keys.publicKeys(), keys.keyWrap(), ReplayGuard.withDefaults());
            TransparencyLog log = new TransparencyLog(s.contract.hash(), keys.signingKey(), Clock.systemUTC());
            byte[] requestSha256 = Digests.sha256(s.requestNpz);   // the client hashes it while the request travels
            for (int i = 0; i < warm + measured; i++) {
                long a0 = System.nanoTime();
                ServingClient.Encapsulation made = ServingClient.encapsulate(s.contract, keys.publicKeys());
                long t0 = System.nanoTime();
                SealedRequest sealed = ServingClient.seal(s.contract, keys.publicKeys(), s.dataProvider, ServeSetup.ROWS, s.requestNpz,
                        Instant.now(), made);
                byte[] encapsulated = sealed.encapsulated();
                long t1 = System.nanoTime();
                OpenedRequest opened = gateway.open(encapsulated, Instant.now());
                byte[] inputs = opened.inputs();
                long t2 = System.nanoTime();
                OpenedRequest.AnswerSealing sealing = opened.beginOk(answer, 8 * 1024);
                FutureTask<Void> sealOutput = new FutureTask<>(sealing::sealOutput, null);
                secondCore.execute(sealOutput);
                LeafSalts salts = LeafSalts.random();
                LogInclusion inclusion = log.append(LeafCommitments.commit(salts, Digests.sha256(inputs), Digests.sha256(answer),
                        opened.dataProvider()));
                byte[] receipt = Json.canonical(new LogReceipt(inclusion, salts));
                sealOutput.run();
                sealOutput.get();
                SealedAnswer sealedAnswer = sealing.finish(receipt);
                long t3 = System.nanoTime();
                byte[] onTheWire = sealedAnswer.toArray();   // what the client reads off the socket: not timed
                long t3b = System.nanoTime();
                ServingResponse response = sealed.openResponse(onTheWire);
                long t4 = System.nanoTime();
                LogReceipt parsed = Json.parse(response.receipt(), LogReceipt.class, "the answer's log receipt");
                byte[] output = response.output();
                FutureTask<byte[]> outputSha256 = new FutureTask<>(() -> Digests.sha256(output));
                secondCore.execute(outputSha256);
                LogVerifier.verifyInclusion(parsed.log(), keys.publicKeys(), s.contract.hash());
                outputSha256.run();
                LogVerifier.verifyOpening(parsed.log().leaf(), parsed.salts(), requestSha256, outputSha256.get(),
                        s.dataProvider.publicIdentity());
                long t5 = System.nanoTime();
                if (i >= warm) {
                    long[][] spans = {{t0, t1}, {t1, t2}, {t2, t3}, {t3b, t4}, {t4, t5}};
                    for (int k = 0; k < names.length; k++) {
                        times.get(names[k]).add((spans[k][1] - spans[k][0]) / 1e6);
                    }
                    aheadTimes.add((t0 - a0) / 1e6);
                }
            }
        } finally {
            secondCore.shutdown();
        }
        List<Step> steps = new ArrayList<>();
        double medianSum = 0;
        double meanSum = 0;
        for (Map.Entry<String, List<Double>> e : times.entrySet()) {
            double median = Report.median(e.getValue());
            double mean = e.getValue().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
            steps.add(new Step(e.getKey(), ServeBench.round(median), ServeBench.round(mean)));
            medianSum += median;
            meanSum += mean;
        }
        steps.add(new Step(ahead, ServeBench.round(Report.median(aheadTimes)),
                ServeBench.round(aheadTimes.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN))));
        steps.add(new Step("all of the above (the request's path)", ServeBench.round(medianSum), ServeBench.round(meanSum)));
        return steps;
    }
}
