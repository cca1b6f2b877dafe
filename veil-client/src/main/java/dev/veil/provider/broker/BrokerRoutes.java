package dev.veil.provider.broker;

import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.OwnerUnwrapMessages;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.translog.SignedTreeHead;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.eclipse.jetty.server.Request;

/** The broker's endpoints: each parses its body once ({@link BrokerMessages}) and calls the {@link KeyBroker}. */
final class BrokerRoutes {
    /** One endpoint: its method, its body bound and what it does. */
    interface Route {
        String method();

        int maxBody();

        String label();

        BrokerServer.Reply handle(Request request, byte[] body) throws BrokerRefusal, ProtocolException, IOException;
    }

    private record Post(String label, int maxBody, Handler handler) implements Route {
        @Override
        public String method() {
            return "POST";
        }

        @Override
        public BrokerServer.Reply handle(Request request, byte[] body) throws BrokerRefusal, ProtocolException, IOException {
            return handler.handle(body);
        }
    }

    private record Get(String label, Handler handler) implements Route {
        @Override
        public String method() {
            return "GET";
        }

        @Override
        public int maxBody() {
            return 0;
        }

        @Override
        public BrokerServer.Reply handle(Request request, byte[] body) throws BrokerRefusal, ProtocolException, IOException {
            String query = request.getHttpURI().getQuery();
            return handler.handle(query == null ? new byte[0] : query.getBytes(StandardCharsets.US_ASCII));
        }
    }

    @FunctionalInterface
    private interface Handler {
        BrokerServer.Reply handle(byte[] body) throws BrokerRefusal, ProtocolException, IOException;
    }

    /** The health endpoint's body. */
    record Health(String status) {
    }

    private final Map<String, Route> routes;

    BrokerRoutes(KeyBroker broker) {
        routes = Map.of(
                BrokerMessages.CHALLENGE, new Post("challenge", BrokerMessages.MAX_SMALL_BYTES,
                        b -> BrokerServer.Reply.json(broker.challenge(BrokerMessages.challengeRequest(b)))),
                BrokerMessages.RELEASE, new Post("release", BrokerMessages.MAX_RELEASE_REQUEST_BYTES,
                        b -> BrokerServer.Reply.json(broker.release(BrokerMessages.releaseRequest(b)))),
                BrokerMessages.DATA_KEY_CHALLENGE, new Post("data_key_challenge", BrokerMessages.MAX_SMALL_BYTES,
                        b -> BrokerServer.Reply.json(broker.dataKeyChallenge(BrokerMessages.dataKeyChallengeRequest(b)))),
                BrokerMessages.WRAP, new Post("wrap", BrokerMessages.MAX_SMALL_BYTES,
                        b -> BrokerServer.Reply.json(broker.wrap(BrokerMessages.wrapRequest(b)))),
                BrokerMessages.UNWRAP, new Post("unwrap", BrokerMessages.MAX_SMALL_BYTES,
                        b -> BrokerServer.Reply.json(broker.unwrap(BrokerMessages.unwrapRequest(b)))),
                OwnerUnwrapMessages.CHALLENGE, new Post("owner_challenge", BrokerMessages.MAX_SMALL_BYTES,
                        b -> BrokerServer.Reply.json(broker.owner().challenge(BrokerMessages.challengeRequest(b)))),
                OwnerUnwrapMessages.UNWRAP, new Post("owner_unwrap", BrokerMessages.MAX_SMALL_BYTES,
                        b -> BrokerServer.Reply.json(broker.owner().unwrap(OwnerUnwrapMessages.request(b)))),
                BrokerMessages.HEAD, new Get("head", query -> head(broker, new String(query, StandardCharsets.US_ASCII))),
                "/metrics", new Get("metrics", q -> new BrokerServer.Reply(200, "text/plain; version=0.0.4; charset=utf-8",
                        broker.metrics().scrape().getBytes(StandardCharsets.UTF_8))),
                "/healthz", new Get("health", q -> BrokerServer.Reply.json(new Health("ok"))));
    }

    Route route(String path) {
        return path == null ? null : routes.get(path);
    }

    /** {@code GET /v1/head?contract=HEX}: the newest signed head of that contract's release record. */
    private static BrokerServer.Reply head(KeyBroker broker, String query) throws BrokerRefusal {
        if (!query.matches("contract=[0-9a-f]{64}")) {
            throw new BrokerRefusal(BrokerRefusal.Reason.BAD_REQUEST, "ask for ?contract= and the contract's 64 hex digits");
        }
        SignedTreeHead head = broker.head(query.substring("contract=".length()));
        if (head == null) {
            throw new BrokerRefusal(BrokerRefusal.Reason.NOT_FOUND, "the broker has released nothing under this contract yet");
        }
        return BrokerServer.Reply.json(head);
    }
}
