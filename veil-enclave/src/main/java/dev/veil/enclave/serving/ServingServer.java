package dev.veil.enclave.serving;

import dev.veil.enclave.LogText;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.servinghttp.ErrorBody;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP face of a serving enclave, on Jetty's core API (no servlets): one connector that speaks HTTP/1.1 with
 * keep-alive and HTTP/2: in cleartext (HTTP/2 by prior knowledge, or upgraded from HTTP/1.1), or over TLS with the
 * operator's certificate ({@link ServerTls}; ALPN chooses). Confidentiality never depends on the transport: requests
 * and answers are sealed end to end, so TLS is the operator's option, and the connector binds loopback by default.
 *
 * <p>Bounds: an idle connection is closed after {@link ServerLimits#idleTimeout()} and costs a socket, never a
 * thread (Jetty parses with non-blocking selectors); headers over {@link ServerLimits#maxHeaderBytes()} are answered
 * 431; a body is read whole before its request is admitted, without a thread, bounded in size (413), in time for the
 * whole body (408: {@link ServerLimits#requestTimeout()}) and, over all connections, in bytes held (503); at most
 * {@link ServerLimits#maxInFlight()} requests with their bodies in are worked on at once, and one more is answered 503
 * with Retry-After at once; above {@link ServerLimits#maxConnections()} the acceptor pauses.
 * The thread pool is fixed in size, so no load grows it.
 */
public final class ServingServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServingServer.class);
    /** Threads beyond the in-flight bound: Jetty's acceptor and selectors, and the answers to refused requests. */
    private static final int SPARE_THREADS = 16;

    private final Server server;
    private final ServerConnector connector;

    private ServingServer(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    /**
     * Starts listening on {@code bind}:{@code port} (0: any free port). Routes without an endpoint answer 404, as any
     * unknown path; {@code /metrics} and {@code /healthz} are the server's own unless given.
     */
    public static ServingServer start(String bind, int port, ServerLimits limits, ServingMetrics metrics,
                                      Map<Route, Endpoint> endpoints) throws IOException {
        return start(bind, port, limits, metrics, endpoints, null);
    }

    /** As above; every answer carries {@code instanceKeysHex} in {@link ErrorBody#INSTANCE_HEADER} when it is given. */
    public static ServingServer start(String bind, int port, ServerLimits limits, ServingMetrics metrics,
                                      Map<Route, Endpoint> endpoints, String instanceKeysHex) throws IOException {
        return start(bind, port, limits, metrics, endpoints, instanceKeysHex, null);
    }

    /**
     * As above, over TLS with the operator's certificate when {@code tls} is given: the port then speaks TLS only
     * (1.2 or 1.3), and ALPN chooses HTTP/2 ({@code h2}) or HTTP/1.1 within it.
     */
    public static ServingServer start(String bind, int port, ServerLimits limits, ServingMetrics metrics,
                                      Map<Route, Endpoint> endpoints, String instanceKeysHex, ServerTls tls) throws IOException {
        Map<Route, Endpoint> routes = new EnumMap<>(Route.class);
        routes.put(Route.METRICS, x -> Reply.text(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
        routes.put(Route.HEALTH, x -> Reply.json(Json.canonical(new Health("ok"))));
        routes.putAll(endpoints);

        QueuedThreadPool threads = new QueuedThreadPool(limits.maxInFlight() + SPARE_THREADS, limits.maxInFlight() + SPARE_THREADS);
        threads.setName("veil-serve");
        threads.setDaemon(true);
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(limits.maxHeaderBytes());
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setIdleTimeout(limits.idleTimeout().toMillis());
        ServerConnector connector = tls == null ? cleartext(server, http, limits) : overTls(server, http, limits, tls);
        connector.setHost(bind);
        connector.setPort(port);
        connector.setIdleTimeout(limits.idleTimeout().toMillis());
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(limits.maxConnections(), connector));
        Admission admission = new Admission(limits.maxInFlight());
        metrics.inFlight(admission::inFlight);
        BodyBudget bodies = new BodyBudget(limits.maxBodyBytes());
        metrics.bodyBytes(bodies::held);
        server.setHandler(new Dispatcher(routes, admission, bodies, metrics, limits, instanceKeysHex));
        try {
            server.start();
        } catch (Exception e) {
            try {
                server.stop();
            } catch (Exception ignored) {
                // already failing to start: the first cause is the one to report
            }
            throw new IOException("cannot listen on " + bind + ":" + port + ": " + e.getMessage(), e);
        }
        LOG.info("serving listening on {}:{}", bind, connector.getLocalPort());
        return new ServingServer(server, connector);
    }

    /** HTTP/1.1, and HTTP/2 by prior knowledge or upgraded from HTTP/1.1 (h2c). */
    private static ServerConnector cleartext(Server server, HttpConfiguration http, ServerLimits limits) {
        HTTP2CServerConnectionFactory h2c = new HTTP2CServerConnectionFactory(http);
        h2c.setMaxConcurrentStreams(limits.maxInFlight());
        return new ServerConnector(server, 1, 1, new HttpConnectionFactory(http), h2c);
    }

    /** TLS, then ALPN: h2 where the client offers it, else HTTP/1.1 (also for a client that offers no ALPN at all). */
    private static ServerConnector overTls(Server server, HttpConfiguration http, ServerLimits limits, ServerTls tls) {
        SslContextFactory.Server context = new SslContextFactory.Server();
        char[] password = new char[24];
        java.security.SecureRandom random = new java.security.SecureRandom();
        for (int i = 0; i < password.length; i++) {   // guards nothing (the store lives in memory): Java key stores want one
            password[i] = (char) ('a' + random.nextInt(26));
        }
        context.setKeyStore(tls.keyStore(password));
        context.setKeyStorePassword(new String(password));
        context.setIncludeProtocols("TLSv1.3", "TLSv1.2");
        context.setCipherComparator(HTTP2Cipher.COMPARATOR);   // HTTP/2's required suites first (RFC 9113 §9.2.2)
        HttpConnectionFactory h1 = new HttpConnectionFactory(http);
        HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(http);
        h2.setMaxConcurrentStreams(limits.maxInFlight());
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
        alpn.setDefaultProtocol(h1.getProtocol());
        SslConnectionFactory ssl = new SslConnectionFactory(context, alpn.getProtocol());
        return new ServerConnector(server, 1, 1, ssl, alpn, h2, h1);
    }

    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("server stop failed: {}", LogText.escape(e.getClass().getName()));
        }
    }

    /** The health endpoint's body. */
    record Health(String status) {
    }

    /** Routes each request to its endpoint under the admission bound, and writes the answer. */
    private static final class Dispatcher extends Handler.Abstract {
        private final Map<Route, Endpoint> routes;
        private final Admission admission;
        private final ServingMetrics metrics;
        private final String retryAfterSeconds;
        private final String instanceKeysHex;
        private final ServerLimits limits;
        private final BodyBudget bodies;
        private final Uploads uploads;

        Dispatcher(Map<Route, Endpoint> routes, Admission admission, BodyBudget bodies, ServingMetrics metrics, ServerLimits limits,
                   String instanceKeysHex) {
            this.instanceKeysHex = instanceKeysHex;
            this.limits = limits;
            this.bodies = bodies;
            this.uploads = new Uploads(limits);
            this.routes = routes;
            this.admission = admission;
            this.metrics = metrics;
            this.retryAfterSeconds = Long.toString(Math.max(1, limits.retryAfter().toSeconds()));
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            long t0 = System.nanoTime();
            Route route = Route.at(request.getHttpURI().getPath());
            Endpoint endpoint = route == null ? null : routes.get(route);
            ServingFailure atHeaders;
            if (endpoint == null) {
                answer(request, response, callback, route, t0, refused(new ServingFailure(Refusal.NOT_FOUND, "no such endpoint"), route));
            } else if (!route.method().equals(request.getMethod())) {
                answer(request, response, callback, route, t0,
                        refused(new ServingFailure(Refusal.METHOD_NOT_ALLOWED, route.path() + " takes " + route.method()), route));
            } else if ((atHeaders = endpoint.refusesAtHeaders(request.getHeaders())) != null) {
                answer(request, response, callback, route, t0, refused(atHeaders, route));
            } else if (Uploads.isUpload(route) && !uploads.tryEnter()) {
                answer(request, response, callback, route, t0, refused(new ServingFailure(Refusal.OVERLOADED,
                        "another model upload is under way; retry after " + retryAfterSeconds + " s"), route));
            } else {
                boolean upload = Uploads.isUpload(route);
                BodyBudget budget = upload ? uploads.bodies() : bodies;
                // The body first, and only then a slot: a client that sends slowly waits on its own socket, not in a slot.
                BodyReader.read(request, limits.maxBodyBytes(route), limits.bodyTimeout(route), budget, new BodyReader.Done() {
                    @Override
                    public void body(byte[] body, long held) {
                        Reply reply;
                        try {
                            reply = admitted(endpoint, new Exchange(request, body), route);
                        } finally {
                            budget.give(held);
                            if (upload) {
                                uploads.leave();
                            }
                        }
                        answer(request, response, callback, route, t0, reply);
                    }

                    @Override
                    public void refused(ServingFailure failure) {
                        if (upload) {
                            uploads.leave();
                        }
                        answer(request, response, callback, route, t0, Dispatcher.this.refused(failure, route));
                    }
                });
            }
            return true;
        }

        /** Runs the endpoint under the admission bound (operators' routes bypass it). */
        private Reply admitted(Endpoint endpoint, Exchange exchange, Route route) {
            if (route.bypassesAdmission()) {
                return run(endpoint, exchange, route);
            }
            if (!admission.tryEnter()) {
                return refused(new ServingFailure(Refusal.OVERLOADED, "the server is at its limit of requests in flight; retry after "
                        + retryAfterSeconds + " s"), route);
            }
            try {
                return run(endpoint, exchange, route);
            } finally {
                admission.leave();
            }
        }

        private void answer(Request request, Response response, Callback callback, Route route, long t0, Reply reply) {
            if (reply.status() == 503) {   // shedding load, or no model yet, wherever it was found full: say when to come back
                response.getHeaders().put(HttpHeader.RETRY_AFTER, retryAfterSeconds);
            }
            if (reply.status() >= 400 && request.getConnectionMetaData().getHttpVersion() == HttpVersion.HTTP_1_1) {
                // A refusal may leave the request's body unread, and Jetty then closes the connection after the answer;
                // said here, a client does not reuse it for its next request (which would fail with no answer at all).
                response.getHeaders().put(HttpHeader.CONNECTION, "close");
            }
            response.setStatus(reply.status());
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType());
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            if (instanceKeysHex != null) {
                response.getHeaders().put(ErrorBody.INSTANCE_HEADER, instanceKeysHex);
            }
            Callback written = callback;
            if (route == Route.INFER) {
                long writing = System.nanoTime();
                written = Callback.from(callback, () -> metrics.inferStage(InferStage.WRITE_ANSWER, System.nanoTime() - writing));
            }
            response.write(true, ByteBuffer.wrap(reply.body(), 0, reply.length()), written);
            metrics.request(route, reply.status(), System.nanoTime() - t0);
        }

        private Reply run(Endpoint endpoint, Exchange exchange, Route route) {
            try {
                return endpoint.handle(exchange);
            } catch (ServingFailure f) {
                return refused(f, route);
            } catch (IOException e) {
                return refused(new ServingFailure(Refusal.BAD_REQUEST, "the request body could not be read"), route);
            } catch (RuntimeException e) {
                // The class only: an exception's message may quote what a request carried.
                LOG.error("route={} internal failure ({})", route.label(), e.getClass().getName());
                return refused(new ServingFailure(500, dev.veil.protocol.receipt.FailureCode.INTERNAL_ERROR,
                        "the server failed internally"), route);
            }
        }

        private Reply refused(ServingFailure f, Route route) {
            metrics.failure(f);
            LOG.info("route={} refused status={} reason={}", route == null ? ServingMetrics.UNKNOWN_ROUTE : route.label(),
                    f.status(), f.reason());
            return new Reply(f.status(), Reply.JSON, Json.canonical(new ErrorBody(f.reason(), f.getMessage())));
        }
    }
}
