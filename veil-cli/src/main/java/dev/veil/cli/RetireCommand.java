package dev.veil.cli;

import dev.veil.attest.AttestationException;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.provider.serving.ServingClient;
import dev.veil.provider.serving.ServingRefused;
import dev.veil.seal.io.AtomicOutput;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "retire", mixinStandardHelpOptions = true,
        description = {"Model provider: end a serving enclave's model, with a signed discard receipt.",
                "The enclave drops the model and closes ONNX Runtime's session, then signs a receipt that counts the",
                "requests and rows it served and carries the log's final signed head. The receipt is verified (signed",
                "by the instance key, that key attested for the contract) before it is written."})
final class RetireCommand implements Callable<Integer> {
    @Option(names = "--enclave", required = true, description = "http://host:port or https://host:port of 'veil serve'")
    String enclave;
    @Mixin
    TlsCaOption tls;
    @Option(names = "--contract", required = true, description = "the serving contract you signed")
    Path contract;
    @Option(names = "--identity", required = true, description = "your secret identity file (.key), the contract's model provider")
    Path identity;
    @Option(names = "--receipt-out", required = true, description = "where to write the verified discard receipt (JSON)")
    Path receiptOut;
    @Option(names = "--force", description = "overwrite --receipt-out if it exists")
    boolean force;

    @Override
    public Integer call() throws Exception {
        URI at = ServingCli.enclave(enclave);
        UserPaths.output("--receipt-out", receiptOut, force);
        ServingContractVerifier.Verified c = ServingCli.contract(contract);
        try (Identity id = ServingCli.identity(identity)) {
            if (!id.publicIdentity().sameKeysAs(c.contract().modelProvider())) {
                throw new CliFailure("--identity " + identity + " is " + id.publicIdentity().fingerprint() + ", not the serving contract's "
                        + "model provider " + c.contract().modelProvider().fingerprint() + "; nothing was sent");
            }
            ServingClient client = tls.client(at, c);
            ServingClient.Retired r;
            try {
                r = client.retire(id);
            } catch (ServingRefused e) {
                throw ServingCli.refused(e);
            } catch (ProtocolException | AttestationException e) {
                throw e;
            } catch (IOException e) {
                throw ServingCli.unreachable(at, e);
            }
            AtomicOutput.write(receiptOut, Json.pretty(r.receipt()).getBytes(StandardCharsets.UTF_8), false, force);
            System.out.println(JsonOut.line(JsonOut.fields("retired", true, "requests_served", r.discard().requestsServed(),
                    "rows_served", r.discard().rowsServed(), "final_tree_size", r.discard().finalTreeHead().head().treeSize(),
                    "released", r.discard().released(), "receipt", receiptOut.toString(), "receipt_verified", true)));
        }
        return ExitCodes.OK;
    }
}
