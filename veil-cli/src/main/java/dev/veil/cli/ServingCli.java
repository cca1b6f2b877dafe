package dev.veil.cli;

import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.serving.SignedServingContract;
import dev.veil.provider.serving.ReplicaOutage;
import dev.veil.provider.serving.ServingRefused;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Instant;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

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
            throw new CliFailure("--enclave '" + value + "' is not the address of 'veil serve'; give http://host:port or https://host:port");
        }
    }

    static Identity identity(Path file) throws CliFailure, IOException, ProtocolException {
        UserPaths.input("--identity", file);
        return IdentityFiles.readSecret(file);
    }

    /** The TLS failure behind {@code e}, if there is one. */
    private static SSLException tlsFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException s) {
                return s;
            }
        }
        return null;
    }

    private static boolean certificateNotForHost(SSLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.security.cert.CertificateException && t.getMessage() != null
                    && (t.getMessage().contains("No subject alternative") || t.getMessage().contains("No name matching"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The server's refusal, as the one line the user sees: the enclave's when it came sealed to the request, else said to
     * be unauthenticated, since whoever answers at the address (a host, a proxy) may have written it.
     */
    static CliFailure refused(ServingRefused e) {
        return new CliFailure((e.sealed() ? "the serving enclave refused (" : "the server at --enclave refused, unauthenticated (")
                + e.reason() + "): " + e.getMessage()
                + (e.instanceChanged() ? "; another instance answered at --enclave than the one appraised (a restart?): run the "
                        + "command again" : "")
                + (e.status() == 503 && e.retryAfterSeconds() > 0 ? "; retry after " + e.retryAfterSeconds() + " s" : ""));
    }

    static CliFailure unreachable(URI enclave, IOException e) {
        SSLException tls = tlsFailure(e);
        if (tls instanceof SSLHandshakeException && certificateNotForHost(tls)) {
            return new CliFailure("the serving enclave at " + enclave + " presented a TLS certificate that is not for "
                    + enclave.getHost() + "; use the host name its certificate names in --enclave");
        }
        if (tls instanceof SSLHandshakeException) {
            return new CliFailure("the serving enclave at " + enclave + " presented a TLS certificate from a CA this client "
                    + "does not trust; give --tls-ca with the CA that issued the server's --tls-cert");
        }
        if (tls != null) {
            return new CliFailure("no TLS connection to the serving enclave at " + enclave + " (" + tls.getClass().getSimpleName()
                    + "); use http:// if 'veil serve' runs without --tls-cert");
        }
        return new CliFailure("cannot reach the serving enclave at " + enclave + " (" + ReplicaOutage.describe(e)
                + "); check --enclave (https:// if 'veil serve' runs with --tls-cert) and that 'veil serve' is listening there");
    }
}
