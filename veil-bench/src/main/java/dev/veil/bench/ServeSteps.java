package dev.veil.bench;

import dev.veil.enclave.keys.InstanceKeyPairs;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.serving.OpenedRequest;
import dev.veil.protocol.serving.ReplayGuard;
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

/**
 * What confidentiality costs one request, step by step, on one thread with nothing else running in this JVM and no
 * model: the protocol's own code on the serving contract of the benchmark, a MiniLM request and an answer of MiniLM's
 * size (float32 8 × 128 × 384). This is the added latency of an uncontended request; under load it is also the CPU
 * each request takes from the model. Reading the request's and writing the answer's {@code .npz} is left out: the
 * plaintext baseline does it too.
 */
final class ServeSteps {
    /** One step's median and mean over the measured requests, in milliseconds. */
    record Step(String name, double medianMs, double meanMs) {
    }

    private ServeSteps() {
    }

    static List<Step> measure(ServeSetup s, int warm, int measured) throws Exception {
        Map<String, List<Double>> times = new LinkedHashMap<>();
        String[] names = {"data provider: seal the request (HPKE to the instance key) and sign it (Ed25519)",
            "enclave: open the request (HPKE), parse it, verify its signature, replay guard",
            "enclave: commit to request and answer (SHA-256), append to the log, sign a tree head, receipt JSON",
            "enclave: seal the answer (HKDF, AES-256-GCM)",
            "data provider: open the answer (AES-256-GCM)",
            "data provider: check the receipt (head signature, inclusion proof, commitments)"};
        for (String n : names) {
            times.put(n, new ArrayList<>());
        }
        float[] values = new float[ServeSetup.ROWS * ServeSetup.TOKENS * 384];
        Random random = new Random(1);
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextFloat();
        }
        byte[] answer = Npz.write(NamedTensors.of(Tensor.ofFloats("last_hidden_state",
                new long[] {ServeSetup.ROWS, ServeSetup.TOKENS, 384}, values)));
        try (InstanceKeyPairs keys = new InstanceKeyPairs(s.contract.contract().keyWrap())) {
            ServingGateway gateway = new ServingGateway(s.contract, keys.publicKeys(), keys.keyWrap(), ReplayGuard.withDefaults());
            TransparencyLog log = new TransparencyLog(s.contract.hash(), keys.signingKey(), Clock.systemUTC());
            for (int i = 0; i < warm + measured; i++) {
                long t0 = System.nanoTime();
                SealedRequest sealed = ServingClient.seal(s.contract, keys.publicKeys(), s.dataProvider, ServeSetup.ROWS, s.requestNpz,
                        Instant.now());
                byte[] encapsulated = sealed.encapsulated();
                long t1 = System.nanoTime();
                OpenedRequest opened = gateway.open(encapsulated, Instant.now());
                byte[] inputs = opened.inputs();
                long t2 = System.nanoTime();
                LeafSalts salts = LeafSalts.random();
                LogInclusion inclusion = log.append(LeafCommitments.commit(salts, Digests.sha256(inputs), Digests.sha256(answer),
                        opened.dataProvider()));
                byte[] receipt = Json.canonical(new LogReceipt(inclusion, salts));
                long t3 = System.nanoTime();
                byte[] sealedAnswer = opened.sealOk(answer, receipt);
                long t4 = System.nanoTime();
                ServingResponse response = sealed.openResponse(sealedAnswer);
                long t5 = System.nanoTime();
                LogReceipt parsed = Json.parse(response.receipt(), LogReceipt.class, "the answer's log receipt");
                byte[] output = response.output();
                LogVerifier.verifyInclusion(parsed.log(), keys.publicKeys(), s.contract.hash());
                LogVerifier.verifyOpening(parsed.log().leaf(), parsed.salts(), Digests.sha256(s.requestNpz), Digests.sha256(output),
                        s.dataProvider.publicIdentity());
                long t6 = System.nanoTime();
                if (i >= warm) {
                    long[] at = {t0, t1, t2, t3, t4, t5, t6};
                    for (int k = 0; k < names.length; k++) {
                        times.get(names[k]).add((at[k + 1] - at[k]) / 1e6);
                    }
                }
            }
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
        steps.add(new Step("all of the above", ServeBench.round(medianSum), ServeBench.round(meanSum)));
        return steps;
    }
}
