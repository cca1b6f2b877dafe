package dev.veil.enclave.serving;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

/**
 * One request as an endpoint sees it: its body, already read whole within its route's bound and deadline (see
 * {@link BodyReader}), and its query parameters.
 */
public final class Exchange {
    private final Request request;
    private final byte[] body;

    Exchange(Request request, byte[] body) {
        this.request = request;
        this.body = body;
    }

    /** The whole body, at most {@code max} bytes; a longer one is refused as {@link Refusal#TOO_LARGE}. */
    public byte[] body(int max) throws ServingFailure {
        return bounded(max);
    }

    /** The body as a stream of at most {@code max} bytes, for uploads parsed as they are read. */
    public InputStream bodyStream(long max) throws ServingFailure {
        return new ByteArrayInputStream(bounded(max));
    }

    /** A request header's value, or null. */
    public String header(String name) {
        return request.getHeaders().get(name);
    }

    /** A query parameter, or null. */
    public String query(String name) {
        Fields f = Request.extractQueryParameters(request);
        Fields.Field v = f.get(name);
        return v == null ? null : v.getValue();
    }

    private byte[] bounded(long max) throws ServingFailure {
        if (body.length > max) {
            throw new ServingFailure(Refusal.TOO_LARGE, "the request body is over this server's limit of " + max + " bytes");
        }
        return body;
    }
}
