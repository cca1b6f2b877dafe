package dev.veil.enclave.serving;

import dev.veil.protocol.servinghttp.ProvisionRelease;
import java.time.Duration;

/**
 * What keeps one client, or many, from taking the server from the others. None of these is measured: they decide whom
 * the server answers and when, which the host decides anyway by dropping traffic.
 * @param idleTimeout a connection with no traffic for this long is closed (idle keep-alive and slow headers alike)
 * @param requestTimeout a JSON request's whole body must arrive within this of its headers; later is answered 408 (a
 *                       trickle of bytes that keeps the connection from idling does not extend it)
 * @param modelUploadTimeout the same for a sealed model upload, which is far larger
 * @param maxHeaderBytes request line and headers; more is answered 431
 * @param maxRequestBytes a JSON request body (attestation, retire, infer); more is answered 413
 * @param maxModelBytes a sealed model upload, held in memory while it is opened; more is answered 413
 * @param maxBodyBytes bytes of request bodies held at once, arriving or being worked on, over all connections; a body
 *                     that would go over is answered 503 with Retry-After. Model uploads are held apart from these
 *                     ({@link Uploads}: one at a time, in a budget of their own), so they never take data providers' bytes
 * @param maxInFlight requests being worked on at once; one more is answered 503 with Retry-After at once, so no
 *                    thread or buffer grows with the load. A request is worked on only once its body is in.
 * @param maxConnections open connections; the acceptor pauses above this, so idle sockets cost file descriptors only
 *                       up to here
 * @param retryAfter what a 503 tells the client to wait
 * @param maxAnswerBytes an answer's outputs as {@code .npz}: a model (a hostile one, or a huge one) that makes more for a
 *                       request has them dropped in the enclave and the data provider told so, sealed, as when the model
 *                       fails on its inputs (the size can depend on the data, so outside the enclave it looks answered)
 */
public record ServerLimits(Duration idleTimeout, Duration requestTimeout, Duration modelUploadTimeout, int maxHeaderBytes,
                           int maxRequestBytes, long maxModelBytes, long maxBodyBytes, int maxInFlight, int maxConnections,
                           Duration retryAfter, long maxAnswerBytes) {
    /** A provisioning body is the release's length prefix and JSON, then the sealed model. */
    static final long PROVISION_PREFIX_BYTES = 4L + ProvisionRelease.MAX_JSON_BYTES;
    /** A body is held in one array. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    public ServerLimits {
        if (!positive(idleTimeout) || !positive(requestTimeout) || !positive(modelUploadTimeout) || maxHeaderBytes < 1024
                || maxRequestBytes < 1024 || maxModelBytes < 1 || maxModelBytes + PROVISION_PREFIX_BYTES > MAX_ARRAY
                || maxBodyBytes < maxRequestBytes
                || maxInFlight < 1 || maxConnections < 2 || !positive(retryAfter) || maxAnswerBytes < 1) {
            throw new IllegalArgumentException("serving limits must be positive (headers and requests at least 1 KiB, a model "
                    + "under 2 GiB, and room for the largest request among the bodies held at once)");
        }
    }

    /**
     * 1,000 idle connections are far below {@code maxConnections}; an idle one costs a socket, never a thread. The bodies
     * held at once are bounded to a full house of the largest JSON requests, as before bodies were read ahead of
     * admission, and one model upload apart.
     */
    public static ServerLimits defaults() {
        int maxRequest = dev.veil.protocol.servinghttp.RequestBounds.MAX_REQUEST_BYTES;
        long maxModel = 1L << 30;
        int inFlight = 64;
        return new ServerLimits(Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofMinutes(10), 8 * 1024, maxRequest,
                maxModel, (long) inFlight * maxRequest, inFlight, 4096, Duration.ofSeconds(1),
                dev.veil.protocol.servinghttp.RequestBounds.MAX_ANSWER_BYTES);
    }

    /**
     * Attestations worked on at once: a quarter of {@link #maxInFlight} (at least one). Making evidence costs the
     * platform (a firmware call, a quoting enclave), and anyone may ask; past this an attestation is answered 503 with
     * Retry-After at once, so a flood of them leaves the other slots to data providers' requests. A bound on how many
     * at once, not how many a second: a flood that keeps it full must send as fast as the platform makes evidence,
     * while a per-second quota would be used up by a trickle.
     */
    public int maxAttestationsInFlight() {
        return Math.max(1, maxInFlight / 4);
    }

    /** The largest body {@code route} takes. */
    long maxBodyBytes(Route route) {
        return route == Route.PROVISION ? maxModelBytes + PROVISION_PREFIX_BYTES : maxRequestBytes;
    }

    /** How long {@code route}'s whole body may take to arrive. */
    Duration bodyTimeout(Route route) {
        return route == Route.PROVISION ? modelUploadTimeout : requestTimeout;
    }

    public ServerLimits withMaxInFlight(int n) {
        return new ServerLimits(idleTimeout, requestTimeout, modelUploadTimeout, maxHeaderBytes, maxRequestBytes, maxModelBytes,
                maxBodyBytes, n, maxConnections, retryAfter, maxAnswerBytes);
    }

    public ServerLimits withIdleTimeout(Duration t) {
        return new ServerLimits(t, requestTimeout, modelUploadTimeout, maxHeaderBytes, maxRequestBytes, maxModelBytes,
                maxBodyBytes, maxInFlight, maxConnections, retryAfter, maxAnswerBytes);
    }

    public ServerLimits withRequestTimeout(Duration t) {
        return new ServerLimits(idleTimeout, t, modelUploadTimeout, maxHeaderBytes, maxRequestBytes, maxModelBytes,
                maxBodyBytes, maxInFlight, maxConnections, retryAfter, maxAnswerBytes);
    }

    public ServerLimits withMaxRequestBytes(int n) {
        return new ServerLimits(idleTimeout, requestTimeout, modelUploadTimeout, maxHeaderBytes, n, maxModelBytes,
                maxBodyBytes, maxInFlight, maxConnections, retryAfter, maxAnswerBytes);
    }

    public ServerLimits withMaxAnswerBytes(long n) {
        return new ServerLimits(idleTimeout, requestTimeout, modelUploadTimeout, maxHeaderBytes, maxRequestBytes, maxModelBytes,
                maxBodyBytes, maxInFlight, maxConnections, retryAfter, n);
    }

    private static boolean positive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }
}
