package dev.veil.enclave.serving;

import java.io.IOException;

/** What one route does with a request. It runs on a server thread and may block (reading the body, waiting for a batch). */
@FunctionalInterface
public interface Endpoint {
    Reply handle(Exchange exchange) throws ServingFailure, IOException;
}
