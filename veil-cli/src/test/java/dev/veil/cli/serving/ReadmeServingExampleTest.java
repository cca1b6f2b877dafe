package dev.veil.cli.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.Platform;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.serving.SignedServingContract;
import dev.veil.provider.serving.AttestedInstance;
import dev.veil.provider.serving.ServingClient;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's SDK example is these lines, compiled and run against a sim serving enclave. */
class ReadmeServingExampleTest {
    private static final Path REPO = Path.of(System.getProperty("veil.testdata.dir")).getParent();
    private static final Path THIS_FILE = REPO.resolve("veil-cli/src/test/java/dev/veil/cli/serving/ReadmeServingExampleTest.java");

    @Test
    void theReadmeExampleAttestsAndInfers(@TempDir Path dir, @TempDir Path work) throws Exception {
        try (ServingFixture f = new ServingFixture(work)) {
            f.provision(f.client());
            Files.write(dir.resolve("serving.json"), Json.canonical(f.signed));
            IdentityFiles.writeSecret(ServingFixture.DP, dir.resolve("clinic-data.key"));
            Files.write(dir.resolve("in.npz"), ServingFixture.crops(2, 5));
            URI enclave = f.uri();
            // README:begin
            var contract = ServingContractVerifier.verify(SignedServingContract.read(dir.resolve("serving.json")), Instant.now());
            var client = new ServingClient(enclave, contract);      // e.g. URI.create("http://127.0.0.1:8443/")
            AttestedInstance instance = client.attest();            // evidence appraised against the contract, reused 10 minutes
            try (Identity dp = IdentityFiles.readSecret(dir.resolve("clinic-data.key"))) {
                var answer = client.infer(dp, Files.readAllBytes(dir.resolve("in.npz")));   // sealed to the attested instance
                Files.write(dir.resolve("out.npz"), answer.outputsNpz());                 // its log receipt already checked
            }
            // README:end
            assertThat(instance.enclave().platform()).isEqualTo(Platform.SIM);
            assertThat(dir.resolve("out.npz")).isNotEmptyFile();
        }
    }

    @Test
    void theReadmeHoldsTheExampleVerbatimInAtMostTenLines() throws Exception {
        List<String> source = Files.readAllLines(THIS_FILE);
        List<String> body = source.subList(source.indexOf("            // README:begin") + 1, source.indexOf("            // README:end"));
        String example = body.stream().map(l -> l.substring(12)).collect(Collectors.joining("\n"));
        assertThat(body).hasSizeLessThanOrEqualTo(10);
        assertThat(Files.readString(REPO.resolve("README.md"))).contains("```java\n" + example + "\n```\n");
    }
}
