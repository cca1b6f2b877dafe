package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.ChallengeRequest;
import dev.veil.protocol.broker.ReleaseRequest;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.wire.Messages;
import dev.veil.seal.AssetKey;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The model provider's key broker of a serving contract, on loopback, for tests that stop and start it on one state
 * directory (revocations across restarts, records on the state volume): the broker, its HTTP server, and one
 * instance's release through the wire as an instance asks for it.
 */
final class LoopbackServingBroker implements AutoCloseable {
    private final Path state;
    private final ServingContractVerifier.Verified contract;
    private final AssetKey modelKey = AssetKey.generate();
    private final Clock clock;
    private KeyBroker broker;
    private BrokerServer server;
    private BrokerWire wire;

    LoopbackServingBroker(Path state, ServingContractVerifier.Verified contract, Clock clock) {
        this.state = state;
        this.contract = contract;
        this.clock = clock;
    }

    /** (Re)starts the broker on the state directory, serving the contract and {@code alsoServing}. */
    LoopbackServingBroker start(ServingContractVerifier.Verified... alsoServing) throws Exception {
        close();
        List<BrokeredContract> served = new ArrayList<>();
        served.add(new BrokeredContract.Serving(contract));
        for (ServingContractVerifier.Verified c : alsoServing) {
            served.add(new BrokeredContract.Serving(c));
        }
        broker = KeyBroker.open(BrokerFixture.MP, modelKey, served, BrokerState.open(state), KeyBroker.Settings.defaults(),
                clock, new BrokerMetrics());
        server = BrokerServer.start(broker, "127.0.0.1", 0, 4);
        wire = new BrokerWire(server.port());
        return this;
    }

    /** Challenge, then evidence of the contract's measurement binding it: the broker's answer to instance {@code i}. */
    BrokerWire.Answer release(SimInstance i) throws Exception {
        BrokerWire.Answer c = wire.post(BrokerMessages.CHALLENGE, new ChallengeRequest(contract.hashHex()));
        assertThat(c.status()).as(c.text()).isEqualTo(200);
        byte[] nonce = BrokerMessages.challenge(c.body()).nonce();
        Messages.EvidenceOffer offer = i.offer(BrokerFixture.MEASUREMENT, nonce, contract.hash());
        return wire.post(BrokerMessages.RELEASE, new ReleaseRequest(contract.hashHex(), nonce, offer));
    }

    /** Stops the server, then the broker (which records what its revocation list asks at its stop). */
    @Override
    public void close() throws Exception {
        if (server != null) {
            server.close();
            server = null;
        }
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }
}
