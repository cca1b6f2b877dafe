package dev.veil.enclave.serving;

import java.io.IOException;
import org.eclipse.jetty.http.HttpFields;

/** What one route does with a request. It runs on a server thread once the body is in, and may block (waiting for a batch). */
@FunctionalInterface
public interface Endpoint {
    Reply handle(Exchange exchange) throws ServingFailure, IOException;

    /**
     * Checked at the request's headers, before any of its body is read: a refusal to answer at once, or null to read the
     * body. A route that cannot take a request now says so here, so nobody makes it hold bytes it would refuse anyway.
     */
    default ServingFailure refusesAtHeaders(HttpFields headers) {
        return null;
    }
}
