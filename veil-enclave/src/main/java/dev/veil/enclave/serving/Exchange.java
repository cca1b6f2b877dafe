package dev.veil.enclave.serving;

import java.io.IOException;
import java.io.InputStream;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

/**
 * One request as an endpoint sees it: its body read with a bound (the declared length is checked before anything is
 * read, and a body without one is cut at the bound), and its query parameters.
 */
public final class Exchange {
    private final Request request;

    Exchange(Request request) {
        this.request = request;
    }

    /** The whole body, at most {@code max} bytes; a longer one is refused as {@link Refusal#TOO_LARGE}. */
    public byte[] body(int max) throws ServingFailure, IOException {
        long declared = request.getLength();
        if (declared > max) {
            throw tooLarge(max);
        }
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] b = in.readNBytes(max + 1);
            if (b.length > max) {
                throw tooLarge(max);
            }
            return b;
        }
    }

    /**
     * The body as a stream of at most {@code max} bytes, for uploads too large to read before checking; reading past
     * the bound throws {@link BoundedInputStream.TooLong}.
     */
    public InputStream bodyStream(long max) throws ServingFailure {
        long declared = request.getLength();
        if (declared > max) {
            throw tooLarge(max);
        }
        return new BoundedInputStream(Content.Source.asInputStream(request), max);
    }

    /** A query parameter, or null. */
    public String query(String name) {
        Fields f = Request.extractQueryParameters(request);
        Fields.Field v = f.get(name);
        return v == null ? null : v.getValue();
    }

    private static ServingFailure tooLarge(long max) {
        return new ServingFailure(Refusal.TOO_LARGE, "the request body is over this server's limit of " + max + " bytes");
    }
}
