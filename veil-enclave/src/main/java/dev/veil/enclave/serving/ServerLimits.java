package dev.veil.enclave.serving;

import java.time.Duration;

/**
 * What keeps one client, or many, from taking the server from the others. None of these is measured: they decide whom
 * the server answers and when, which the host decides anyway by dropping traffic.
 * @param idleTimeout a connection with no traffic for this long is closed (idle keep-alive and slow headers alike)
 * @param maxHeaderBytes request line and headers; more is answered 431
 * @param maxRequestBytes a JSON request body (attestation, retire, infer); more is answered 413
 * @param maxModelBytes a sealed model upload, held in memory while it is opened; more is answered 413
 * @param maxInFlight requests being worked on at once; one more is answered 503 with Retry-After at once, so no
 *                    thread or buffer grows with the load
 * @param maxConnections open connections; the acceptor pauses above this, so idle sockets cost file descriptors only
 *                       up to here
 * @param retryAfter what a 503 tells the client to wait
 */
public record ServerLimits(Duration idleTimeout, int maxHeaderBytes, int maxRequestBytes, long maxModelBytes,
                            int maxInFlight, int maxConnections, Duration retryAfter) {
    public ServerLimits {
        if (idleTimeout.isNegative() || idleTimeout.isZero() || maxHeaderBytes < 1024 || maxRequestBytes < 1024
                || maxModelBytes < 1 || maxInFlight < 1 || maxConnections < 2 || retryAfter.isNegative() || retryAfter.isZero()) {
            throw new IllegalArgumentException("serving limits must be positive (headers and requests at least 1 KiB)");
        }
    }

    /** 1,000 idle connections are far below {@code maxConnections}; an idle one costs a socket, never a thread. */
    public static ServerLimits defaults() {
        return new ServerLimits(Duration.ofSeconds(30), 8 * 1024, dev.veil.protocol.servinghttp.RequestBounds.MAX_REQUEST_BYTES, 1L << 30,
                64, 4096, Duration.ofSeconds(1));
    }

    public ServerLimits withMaxInFlight(int n) {
        return new ServerLimits(idleTimeout, maxHeaderBytes, maxRequestBytes, maxModelBytes, n, maxConnections, retryAfter);
    }

    public ServerLimits withIdleTimeout(Duration t) {
        return new ServerLimits(t, maxHeaderBytes, maxRequestBytes, maxModelBytes, maxInFlight, maxConnections, retryAfter);
    }

    public ServerLimits withMaxRequestBytes(int n) {
        return new ServerLimits(idleTimeout, maxHeaderBytes, n, maxModelBytes, maxInFlight, maxConnections, retryAfter);
    }
}
