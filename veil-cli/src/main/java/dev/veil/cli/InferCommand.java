package dev.veil.cli;

import dev.veil.protocol.text.TerminalText;
import dev.veil.attest.AttestationException;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.servinghttp.RequestBounds;
import dev.veil.provider.serving.ReplicasUnreachable;
import dev.veil.provider.serving.FailoverPolicy;
import dev.veil.provider.serving.ReplicatedServingClient;
import dev.veil.provider.serving.ServingClient;
import dev.veil.provider.serving.ServingRefused;
import dev.veil.seal.io.AtomicOutput;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "infer", mixinStandardHelpOptions = true,
        description = {"Data provider: send one encrypted request to a serving enclave and open its answer.",
                "Appraises the instance's evidence against the serving contract, seals the .npz inputs (one array per",
                "model input, rows first) to the attested instance key, signed by your identity, and opens the answer,",
                "which only this request's keys open. The answer's log receipt is checked (its leaf is in a tree head",
                "the instance signed, and commits to these inputs, these outputs and you) before the outputs are written."})
final class InferCommand implements Callable<Integer> {
    @Option(names = "--enclave", required = true, split = ",", paramLabel = "URL",
            description = {"http://host:port or https://host:port of 'veil serve'; several (comma-separated or repeated) for",
                    "replicas of one contract:",
                    "each is attested, requests go to them in turn, and a request whose replica is gone is sealed anew",
                    "to the next one's keys and sent there (an answer lost on the way may count twice against your budget)"})
    List<String> enclave;
    @Mixin
    TlsCaOption tls;
    @Mixin
    OwnCollateralOptions ownCollateral;
    @Option(names = "--contract", required = true, description = "the serving contract")
    Path contract;
    @Option(names = "--identity", required = true, description = "your secret identity file (.key), one the contract lets query")
    Path identity;
    @Option(names = "--data", required = true, description = "the inputs, .npz: one array per model input by name")
    Path data;
    @Option(names = "--out", required = true, description = "where to write the outputs, .npz (created 0600)")
    Path out;
    @Option(names = "--receipt-out", description = "where to write the inference receipt (JSON; it holds the commitments' salts)")
    Path receiptOut;
    @Option(names = "--force", description = "overwrite --out and --receipt-out if they exist")
    boolean force;

    @Override
    public Integer call() throws Exception {
        List<URI> at = new ArrayList<>();
        for (String e : enclave) {
            URI u = ServingCli.enclave(e);
            if (at.contains(u)) {
                throw new CliFailure("--enclave " + u + " is given twice");
            }
            at.add(u);
        }
        UserPaths.input("--data", data);
        UserPaths.output("--out", out, force);
        if (receiptOut != null) {
            UserPaths.output("--receipt-out", receiptOut, force);
            UserPaths.distinct("--out", out, "--receipt-out", receiptOut);
        }
        ServingContractVerifier.Verified c = ServingCli.contract(contract);
        if (Files.size(data) > RequestBounds.MAX_REQUEST_BYTES - 64 * 1024) {
            throw new CliFailure("--data " + data + " is over the " + (RequestBounds.MAX_REQUEST_BYTES >> 20)
                    + " MiB a request may carry; split its rows into several requests");
        }
        byte[] inputs = Files.readAllBytes(data);
        try (Identity id = ServingCli.identity(identity)) {
            try {
                c.budgetFor(id.publicIdentity());
            } catch (ProtocolException e) {
                throw new CliFailure(e.getMessage() + "; nothing was sent");
            }
            java.util.Map<URI, ServingClient> clients = new java.util.HashMap<>();
            dev.veil.provider.TrustedCollateral own = ownCollateral.trusted();   // one fetcher and its cache for every replica
            for (URI u : at) {
                clients.put(u, tls.client(u, c, own));
            }
            // One request per process: starting every 'veil infer' at the first --enclave would send them all there.
            List<URI> order = new ArrayList<>(at);
            java.util.Collections.rotate(order, java.util.concurrent.ThreadLocalRandom.current().nextInt(order.size()));
            ReplicatedServingClient.Answered answered;
            try (ReplicatedServingClient replicas = new ReplicatedServingClient(order, clients::get, java.time.Clock.systemUTC(),
                    FailoverPolicy.forContract(c))) {
                answered = replicas.infer(id, inputs);
            } catch (ServingRefused e) {
                throw ServingCli.refused(e);
            } catch (ProtocolException | AttestationException e) {
                throw e;
            } catch (dev.veil.provider.collateral.FetchedTrustedCollateral.Unavailable e) {
                throw new CliFailure(e.getMessage());   // says whose collateral, and why it could not be had
            } catch (ReplicasUnreachable e) {
                throw at.size() == 1 && e.getCause() instanceof java.io.IOException only ? ServingCli.unreachable(at.get(0), only)
                        : new CliFailure(e.getMessage() + "; check --enclave");
            } catch (java.io.IOException e) {   // not an outage, so no other replica was tried: a TLS certificate refused
                throw at.size() == 1 ? ServingCli.unreachable(at.get(0), e)
                        : new CliFailure("a replica of --enclave refused the connection (" + e.getClass().getSimpleName() + "): "
                                + TerminalText.escape(String.valueOf(e.getMessage())));
            }
            ServingClient.Inference answer = answered.inference();
            if (!answered.gaveUpOn().isEmpty()) {
                System.err.println("veil: " + String.join(", ", answered.gaveUpOn().stream().map(URI::toString).toList())
                        + " did not answer; the request was sealed anew to " + answered.replica() + ", which answered");
            }
            AtomicOutput.write(out, answer.outputsNpz(), true, force);
            if (receiptOut != null) {
                AtomicOutput.write(receiptOut, Json.pretty(answer.receipt()).getBytes(StandardCharsets.UTF_8), true, force);
            }
            System.out.println(JsonOut.line(JsonOut.fields("output", out.toString(), "replica", answered.replica().toString(),
                    "replicas_given_up_on", answered.gaveUpOn().stream().map(URI::toString).toList(), "log_index",
                    answer.receipt().receipt().log().leaf().sequence(), "tree_size", answer.head().treeSize(),
                    "receipt_verified", true)));
        } finally {
            Arrays.fill(inputs, (byte) 0);
        }
        return ExitCodes.OK;
    }
}
