package dev.veil.cli;

import dev.veil.attest.AttestationException;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.servinghttp.RequestBounds;
import dev.veil.provider.serving.ServingClient;
import dev.veil.provider.serving.ServingRefused;
import dev.veil.seal.io.AtomicOutput;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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
    @Option(names = "--enclave", required = true, description = "http://host:port or https://host:port of 'veil serve'")
    String enclave;
    @Mixin
    TlsCaOption tls;
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
        URI at = ServingCli.enclave(enclave);
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
            ServingClient client = tls.client(at, c);
            ServingClient.Inference answer;
            try {
                answer = client.infer(id, inputs);
            } catch (ServingRefused e) {
                throw ServingCli.refused(e);
            } catch (ProtocolException | AttestationException e) {
                throw e;
            } catch (IOException e) {
                throw ServingCli.unreachable(at, e);
            }
            AtomicOutput.write(out, answer.outputsNpz(), true, force);
            if (receiptOut != null) {
                AtomicOutput.write(receiptOut, Json.pretty(answer.receipt()).getBytes(StandardCharsets.UTF_8), true, force);
            }
            System.out.println(JsonOut.line(JsonOut.fields("output", out.toString(), "log_index",
                    answer.receipt().receipt().log().leaf().sequence(), "tree_size", answer.head().treeSize(),
                    "receipt_verified", true)));
        } finally {
            Arrays.fill(inputs, (byte) 0);
        }
        return ExitCodes.OK;
    }
}
