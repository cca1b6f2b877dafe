package dev.veil.enclave.serving;

import java.io.IOException;

/** What one route does with a request. It runs on a server thread once the body is in, and may block (waiting for a batch). */
@FunctionalInterface
public interface Endpoint {
    Reply handle(Exchange exchange) throws ServingFailure, IOException;
}
