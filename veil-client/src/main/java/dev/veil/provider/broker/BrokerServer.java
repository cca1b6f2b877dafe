package dev.veil.provider.broker;

import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.servinghttp.ErrorBody;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.LowResourceMonitor;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's HTTP face: a lean Jetty (core API, HTTP/1.1, no servlets). Confidentiality never rests on it: keys
 * travel HPKE-sealed to attested instance keys, and every answer that matters is signed. Bounds: a body is read
 * whole before any work, without a thread, refused over its route's size (413, and at once when its declared length
 * is over) or when it does not arrive within {@link #BODY_DEADLINE} (408); at most {@code workers} requests are
 * worked on at once, and one more is answered 503 with Retry-After at once; idle
 * connections close after {@link #IDLE_TIMEOUT} (after {@link #LOW_IDLE_TIMEOUT} once {@link #FLOOD_CONNECTIONS} are open,
 * so idle sockets cannot hold the limit, and connections older than {@link ConnectionFloodGuard#MAX_AGE} are closed
 * then, so dripped bytes cannot either), and above {@link #MAX_CONNECTIONS} the acceptor pauses.
 */
public final class BrokerServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerServer.class);
    /** The route label of requests to paths the broker does not serve. */
    static final String UNKNOWN_ROUTE_LABEL = "unknown";
    static final Duration BODY_DEADLINE = Duration.ofSeconds(10);
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
    static final int MAX_CONNECTIONS = 1024;
    /** From this many open connections on, the broker counts as under a connection flood (see {@link #LOW_IDLE_TIMEOUT}). */
    static final int FLOOD_CONNECTIONS = MAX_CONNECTIONS * 3 / 4;
    /**
     * The idle timeout during a connection flood: long enough for any genuine request on loopback or a LAN, short
     * enough that a stranger's idle sockets at the connection limit make room within seconds, not {@link #IDLE_TIMEOUT}.
     */
    static final Duration LOW_IDLE_TIMEOUT = Duration.ofSeconds(2);
    static final int MAX_HEADER_BYTES = 8 * 1024;
    /** Jetty's threads beyond the {@code workers}: the acceptor, the selector, and those reading and parsing requests. */
    static final int IO_THREADS = 16;

    private final Server server;
    private final ServerConnector connector;
    private final ConnectionFloodGuard floodGuard;

    private BrokerServer(Server server, ServerConnector connector, ConnectionFloodGuard floodGuard) {
        this.server = server;
        this.connector = connector;
        this.floodGuard = floodGuard;
    }

    /**
     * Listens on {@code bind}:{@code port} (0: any free port), working on at most {@code workers} requests at once.
     * The work runs on the Jetty thread that read the request, not handed to a pool of its own: on one core the
     * hand-off (a futex wake, a context switch, a park) was about 6 % of the broker's CPU in a profile. Jetty's
     * pool has room for {@code workers} threads held by requests (waiting for a record's fsync) beside its own.
     */
    public static BrokerServer start(KeyBroker broker, String bind, int port, int workers) throws IOException {
        QueuedThreadPool threads = new QueuedThreadPool(workers + IO_THREADS, IO_THREADS);
        threads.setName("veil-broker");
        threads.setDaemon(true);
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(MAX_HEADER_BYTES);
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setIdleTimeout(IDLE_TIMEOUT.toMillis());
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(bind);
        connector.setPort(port);
        connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(MAX_CONNECTIONS, connector));
        server.addBean(floodMonitor(server, connector));
        ConnectionFloodGuard floodGuard = ConnectionFloodGuard.on(connector);
        server.setHandler(new Dispatcher(new BrokerRoutes(broker), broker.metrics(), workers));
        try {
            server.start();
        } catch (Exception e) {
            floodGuard.close();
            try {
                server.stop();
            } catch (Exception ignored) {
                // already failing to start: the first cause is the one to report
            }
            throw new IOException("cannot listen on " + bind + ":" + port + ": " + e.getMessage(), e);
        }
        LOG.info("broker listening on {}:{}", bind, connector.getLocalPort());
        return new BrokerServer(server, connector, floodGuard);
    }

    /**
     * Idle connections at the limit would otherwise pause the acceptor for a whole {@link #IDLE_TIMEOUT} (longer if a
     * byte is dripped now and then): past {@link #FLOOD_CONNECTIONS}, every connection's idle timeout drops to
     * {@link #LOW_IDLE_TIMEOUT}, so idle sockets are closed and a genuine instance's connection is accepted.
     */
    private static LowResourceMonitor floodMonitor(Server server, ServerConnector connector) {
        LowResourceMonitor monitor = new LowResourceMonitor(server);
        monitor.setMonitoredConnectors(List.of(connector));   // the connection check counts only monitored connectors
        monitor.setPeriod(500);
        monitor.setLowResourcesIdleTimeout((int) LOW_IDLE_TIMEOUT.toMillis());
        monitor.setAcceptingInLowResources(true);
        monitor.setLowResourceChecks(Set.of(monitor.new MaxConnectionsLowResourceCheck(FLOOD_CONNECTIONS)));
        return monitor;
    }

    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("broker stop failed: {}", e.getClass().getName());
        }
        floodGuard.close();
    }

    /** A route's answer. */
    record Reply(int status, String contentType, byte[] body) {
        static Reply json(Object record) {
            return new Reply(200, "application/json", Json.canonical(record));
        }
    }

    private static final class Dispatcher extends Handler.Abstract {
        private final BrokerRoutes routes;
        private final BrokerMetrics metrics;
        /** One permit per request worked on; none left, a request is refused rather than queued. */
        private final Semaphore inFlight;

        Dispatcher(BrokerRoutes routes, BrokerMetrics metrics, int workers) {
            this.routes = routes;
            this.metrics = metrics;
            this.inFlight = new Semaphore(workers);
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            long t0 = System.nanoTime();
            String path = request.getHttpURI().getPath();
            BrokerRoutes.Route route = routes.route(path);
            if (route == null) {
                // one fixed label for every unknown path: a caller must not mint metric series by choosing paths
                answer(response, callback, UNKNOWN_ROUTE_LABEL, t0, refused(new BrokerRefusal(BrokerRefusal.Reason.NOT_FOUND, "no such endpoint")));
                return true;
            }
            if (!route.method().equals(request.getMethod())) {
                answer(response, callback, route.label(), t0, refused(new BrokerRefusal(BrokerRefusal.Reason.METHOD_NOT_ALLOWED,
                        path + " takes " + route.method())));
                return true;
            }
            if (request.getLength() > route.maxBody()) {
                answer(response, callback, route.label(), t0, tooLarge(route));
                return true;
            }
            Content.Source.asByteArrayAsync(request, route.maxBody())
                    .orTimeout(BODY_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((body, failure) -> {
                        if (failure != null) {
                            answer(response, callback, route.label(), t0, unread(failure, route));
                            return;
                        }
                        if (!inFlight.tryAcquire()) {
                            answer(response, callback, route.label(), t0, refused(new BrokerRefusal(BrokerRefusal.Reason.OVERLOADED,
                                    "the broker is at its limit of requests in flight; retry shortly")));
                            return;
                        }
                        try {
                            answer(response, callback, route.label(), t0, run(route, request, body));
                        } finally {
                            inFlight.release();
                        }
                    });
            return true;
        }

        private Reply run(BrokerRoutes.Route route, Request request, byte[] body) {
            try {
                return route.handle(request, body);
            } catch (BrokerRefusal r) {
                return refused(r);
            } catch (ProtocolException e) {
                return refused(new BrokerRefusal(BrokerRefusal.Reason.BAD_REQUEST, e.getMessage()));
            } catch (IOException | RuntimeException e) {
                // the class only: a message may quote what a request carried
                LOG.error("route={} internal failure ({})", route.label(), e.getClass().getName());
                return refused(new BrokerRefusal(BrokerRefusal.Reason.INTERNAL, "the broker failed internally"));
            }
        }

        private Reply unread(Throwable failure, BrokerRoutes.Route route) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof TimeoutException) {
                return refused(new BrokerRefusal(BrokerRefusal.Reason.TIMEOUT, "the request body did not arrive within "
                        + BODY_DEADLINE.toSeconds() + " s"));
            }
            if (cause instanceof IllegalArgumentException) {   // Jetty: more than maxSize bytes
                return tooLarge(route);
            }
            return refused(new BrokerRefusal(BrokerRefusal.Reason.BAD_REQUEST, "the request body could not be read"));
        }

        private Reply tooLarge(BrokerRoutes.Route route) {
            return refused(new BrokerRefusal(BrokerRefusal.Reason.TOO_LARGE, "the request body is over this route's limit of "
                    + route.maxBody() + " bytes"));
        }

        private Reply refused(BrokerRefusal r) {
            metrics.refusal(r.reason());
            return new Reply(r.reason().status(), "application/json", Json.canonical(new ErrorBody(r.reason().id(), r.getMessage())));
        }

        private void answer(Response response, Callback callback, String label, long t0, Reply reply) {
            if (reply.status() == 503 || reply.status() == 429) {
                response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
            }
            if (reply.status() >= 400) {
                // a refusal may leave the body unread; said here, a client does not reuse the connection
                response.getHeaders().put(HttpHeader.CONNECTION, "close");
            }
            response.setStatus(reply.status());
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType());
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            response.write(true, ByteBuffer.wrap(reply.body()), callback);
            metrics.request(label, reply.status(), System.nanoTime() - t0);
        }
    }
}
