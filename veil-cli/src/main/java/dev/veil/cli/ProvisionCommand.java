package dev.veil.cli;

import dev.veil.attest.AttestationException;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.provider.SealedAsset;
import dev.veil.provider.replay.CompletedContracts;
import dev.veil.provider.replay.ProvisionedInstances;
import dev.veil.provider.serving.AttestedInstance;
import dev.veil.provider.serving.ServingClient;
import dev.veil.provider.serving.ServingRefused;
import dev.veil.seal.AssetKey;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "provision", mixinStandardHelpOptions = true,
        description = {"Model provider: attest a serving enclave and give it the model.",
                "Appraises the instance's evidence against the serving contract (fresh nonce, contract hash and instance",
                "keys bound), releases the model key to the attested instance key only, and streams the sealed model,",
                "which the enclave checks against the contract and loads in memory."})
final class ProvisionCommand implements Callable<Integer> {
    @Option(names = "--enclave", required = true, description = "http://host:port or https://host:port of 'veil serve'")
    String enclave;
    @Mixin
    TlsCaOption tls;
    @Mixin
    OwnCollateralOptions ownCollateral;
    @Option(names = "--contract", required = true, description = "the serving contract you signed")
    Path contract;
    @Option(names = "--identity", required = true, description = "your secret identity file (.key), the contract's model provider")
    Path identity;
    @Option(names = "--sealed", required = true, description = "the sealed model")
    Path sealed;
    @Option(names = "--key", required = true, description = "its key file")
    Path key;
    @Option(names = "--state", description = "where your record of provisioned instances lives (default: $XDG_STATE_HOME/veil"
            + " or ~/.local/state/veil)")
    Path state;
    @Option(names = "--allow-instance-beyond-limit", description = "provision although the contract's max_instances other instances"
            + " already got the model (to replace one that is gone); each instance answers its share of every budget again")
    boolean allowBeyondLimit;

    @Override
    public Integer call() throws Exception {
        URI at = ServingCli.enclave(enclave);
        ServingContractVerifier.Verified c = ServingCli.contract(contract);
        SealedAsset model;
        try {
            model = SealedAsset.of(UserPaths.input("--sealed", sealed));
        } catch (ProtocolException e) {
            throw new CliFailure(e.getMessage() + "; seal it with 'veil seal --type model' first");
        }
        try (Identity id = ServingCli.identity(identity); AssetKey k = AssetKeyFile.read("--key", key)) {
            if (!id.publicIdentity().sameKeysAs(c.contract().modelProvider())) {
                throw new CliFailure("--identity " + identity + " is " + id.publicIdentity().fingerprint() + ", not the serving contract's "
                        + "model provider " + c.contract().modelProvider().fingerprint() + "; nothing was sent");
            }
            ServingClient client = tls.client(at, c, ownCollateral.trusted());
            try {
                if (allowBeyondLimit) {
                    System.err.println("veil: --allow-instance-beyond-limit: this instance may take the model past the contract's "
                            + "max_instances; each one answers its share of every data provider's budget");
                }
                client.provision(id, model, k, sealed, new ProvisionedInstances(
                        state != null ? state : CompletedContracts.defaultStateDir(), allowBeyondLimit));
                AttestedInstance a = client.attest();
                System.out.println(JsonOut.line(JsonOut.fields("provisioned", true, "contract", c.hashHex(),
                        "platform", a.enclave().platform(), "measurement", a.enclave().claims().measurementHex(),
                        "instance_keys", Digests.hex(a.enclave().instanceKeys().digest()))));
            } catch (ServingRefused e) {
                throw ServingCli.refused(e);
            } catch (ProtocolException | AttestationException e) {
                throw e;
            } catch (dev.veil.provider.collateral.FetchedTrustedCollateral.Unavailable e) {
                throw new CliFailure(e.getMessage());   // says whose collateral, and why it could not be had
            } catch (IOException e) {
                throw ServingCli.unreachable(at, e);
            }
        }
        return ExitCodes.OK;
    }
}
