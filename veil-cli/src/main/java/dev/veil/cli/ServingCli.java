package dev.veil.cli;

import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.serving.SignedServingContract;
import dev.veil.provider.serving.ServingRefused;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Instant;

/** What the serving commands share: reading the serving contract and the enclave's URL, and saying a refusal in one line. */
final class ServingCli {
    private ServingCli() {
    }

    /** The serving contract, verified now (signature of its model provider, terms, expiry). */
    static ServingContractVerifier.Verified contract(Path file) throws CliFailure, IOException, ProtocolException {
        UserPaths.input("--contract", file);
        return ServingContractVerifier.verify(SignedServingContract.read(file), Instant.now());
    }

    /** {@code http://host:port} (or {@code host:port}) of 'veil serve'. */
    static URI enclave(String value) throws CliFailure {
        String v = value.contains("://") ? value : "http://" + value;
        try {
            URI u = new URI(v);
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null || u.getPort() < 1
                    || (u.getPath() != null && !u.getPath().isEmpty() && !"/".equals(u.getPath())) || u.getQuery() != null) {
                throw new URISyntaxException(value, "not a server address");
            }
            return new URI(u.getScheme(), null, u.getHost(), u.getPort(), "/", null, null);
        } catch (URISyntaxException e) {
            throw new CliFailure("--enclave '" + value + "' is not the address of 'veil serve'; give http://host:port");
        }
    }

    static Identity identity(Path file) throws CliFailure, IOException, ProtocolException {
        UserPaths.input("--identity", file);
        return IdentityFiles.readSecret(file);
    }

    /** The server's refusal, as the one line the user sees. */
    static CliFailure refused(ServingRefused e) {
        return new CliFailure("the serving enclave refused (" + e.reason() + "): " + e.getMessage()
                + (e.status() == 503 && e.retryAfterSeconds() > 0 ? "; retry after " + e.retryAfterSeconds() + " s" : ""));
    }

    static CliFailure unreachable(URI enclave, IOException e) {
        return new CliFailure("cannot reach the serving enclave at " + enclave + " (" + e.getClass().getSimpleName()
                + "); check --enclave and that 'veil serve' is listening there");
    }
}
