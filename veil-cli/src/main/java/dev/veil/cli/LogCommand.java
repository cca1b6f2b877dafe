package dev.veil.cli;

import dev.veil.attest.AttestationException;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.translog.SignedTreeHead;
import dev.veil.provider.serving.ServingClient;
import dev.veil.provider.serving.ServingRefused;
import dev.veil.seal.io.AtomicOutput;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "log", mixinStandardHelpOptions = true,
        description = "Inspect a serving enclave's transparency log of answered requests.",
        subcommands = {LogCommand.Audit.class})
final class LogCommand {

    @Command(name = "audit", mixinStandardHelpOptions = true,
            description = {"Fetch the log's signed head and check it, and that it extends the head you audited before.",
                    "The head must be signed by the instance key attested for the serving contract; its size is how many",
                    "requests were answered. With --previous, the consistency proof from that head to this one must verify:",
                    "the log neither forked nor shrank. --head-out keeps this head for the next audit."})
    static final class Audit implements Callable<Integer> {
        @Option(names = "--enclave", required = true, description = "http://host:port or https://host:port of 'veil serve'")
        String enclave;
        @Mixin
        TlsCaOption tls;
        @Option(names = "--contract", required = true, description = "the serving contract")
        Path contract;
        @Option(names = "--previous", description = "a head written by an earlier 'veil log audit --head-out'")
        Path previous;
        @Option(names = "--head-out", description = "where to write this head (JSON)")
        Path headOut;
        @Option(names = "--force", description = "overwrite --head-out if it exists")
        boolean force;

        @Override
        public Integer call() throws Exception {
            URI at = ServingCli.enclave(enclave);
            if (headOut != null) {
                UserPaths.output("--head-out", headOut, force);
            }
            ServingContractVerifier.Verified c = ServingCli.contract(contract);
            SignedTreeHead before = null;
            if (previous != null) {
                before = Json.parse(Files.readAllBytes(UserPaths.input("--previous", previous)), SignedTreeHead.class, "--previous " + previous);
            }
            ServingClient client = tls.client(at, c);
            ServingClient.Audit audit;
            try {
                audit = client.audit(before);
            } catch (ServingRefused e) {
                throw ServingCli.refused(e);
            } catch (ProtocolException | AttestationException e) {
                throw e;
            } catch (IOException e) {
                throw ServingCli.unreachable(at, e);
            }
            if (headOut != null) {
                AtomicOutput.write(headOut, Json.pretty(audit.signed()).getBytes(StandardCharsets.UTF_8), false, force);
            }
            System.out.println(JsonOut.line(JsonOut.fields("tree_size", audit.head().treeSize(), "root", Digests.hex(audit.head().rootHash()),
                    "head_verified", true, "consistent_with_previous", before == null ? "no previous head given" : true)));
            return ExitCodes.OK;
        }
    }
}
