package dev.veil.enclave.broker;

import dev.veil.enclave.serving.ServingFailure;
import dev.veil.enclave.serving.ServingInstance;
import dev.veil.protocol.servinghttp.AttestChallenge;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A serving instance provisioned by its model provider's broker instead of by {@code veil provision}: the instance
 * answers the broker's challenge exactly as it answers an interactive model provider's ({@link ServingInstance#attest},
 * which also opens the enclave nonce the release must answer), and takes the broker's release through its own
 * provisioning ({@link ServingInstance#provision}), which checks the model provider's signature over this attestation,
 * unwraps the key and loads the sealed model from the local file. Nothing here handles the key.
 */
public final class ModelKeyFromBroker {
    private ModelKeyFromBroker() {
    }

    public static void provision(ServingInstance instance, URI broker, Path sealedModel) throws IOException, BrokerRefused {
        String contract = instance.contract().hashHex();
        BrokerRelease.Released r = new BrokerRelease(broker, contract).fetch(nonce -> {
            try {
                return instance.attest(new AttestChallenge(contract, nonce));
            } catch (ServingFailure f) {
                throw new BrokerRefused(f.status(), f.reason(), "this instance cannot attest: " + f.getMessage());
            }
        });
        if (r.answer().key() == null) {
            throw new BrokerRefused(0, "bad_answer", "the model provider's broker admitted this instance but released no model key;"
                    + " start the broker with --asset-key");
        }
        try (InputStream in = Files.newInputStream(sealedModel)) {
            instance.provision(r.answer().provisionRelease(), in);
        } catch (ServingFailure f) {
            throw new BrokerRefused(f.status(), f.reason(), "the broker's release was refused here: " + f.getMessage());
        }
    }
}
