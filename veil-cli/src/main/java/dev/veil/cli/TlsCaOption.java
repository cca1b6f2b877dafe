package dev.veil.cli;

import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.provider.TrustedCollateral;
import dev.veil.provider.serving.ServingClient;
import dev.veil.provider.serving.TlsTrust;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import picocli.CommandLine.Option;

/** The serving client commands' {@code --tls-ca}: whom to trust for an {@code https://} enclave's certificate. */
final class TlsCaOption {
    @Option(names = "--tls-ca", paramLabel = "CA.pem", description = "for an https:// --enclave: trust the CA certificates "
            + "in this PEM file (only those) for the server's certificate; without it, the JDK's trust store")
    Path tlsCa;

    /** A client of {@code enclave}, trusting {@code --tls-ca} when given. */
    ServingClient client(URI enclave, ServingContractVerifier.Verified contract) throws CliFailure, IOException {
        return client(enclave, contract, TrustedCollateral.NONE);
    }

    /**
     * A client of {@code enclave}, trusting {@code --tls-ca} when given, that appraises the enclave's evidence with
     * {@code ownCollateral} (the provider's own, {@link OwnCollateralOptions}) over what the enclave's host sends.
     */
    ServingClient client(URI enclave, ServingContractVerifier.Verified contract, TrustedCollateral ownCollateral)
            throws CliFailure, IOException {
        if (tlsCa == null) {
            return new ServingClient(enclave, contract, ownCollateral, Clock.systemUTC());
        }
        if (!"https".equals(enclave.getScheme())) {
            throw new CliFailure("--tls-ca applies to an https:// --enclave only; " + enclave + " is cleartext");
        }
        UserPaths.input("--tls-ca", tlsCa);
        try {
            return new ServingClient(enclave, contract, ownCollateral, Clock.systemUTC(), TlsTrust.trusting(tlsCa));
        } catch (IllegalArgumentException e) {
            throw new CliFailure(e.getMessage());
        }
    }
}
