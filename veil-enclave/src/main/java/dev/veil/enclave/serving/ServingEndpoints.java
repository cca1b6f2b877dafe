package dev.veil.enclave.serving;

import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.protocol.servinghttp.AttestChallenge;
import dev.veil.protocol.servinghttp.ProvisionRelease;
import dev.veil.protocol.servinghttp.RetireRequest;
import dev.veil.protocol.servinghttp.UploadAuthorization;
import java.io.InputStream;
import java.util.EnumMap;
import java.util.Map;

/** The serving instance's routes: attestation, provisioning and retiring, and its health. */
final class ServingEndpoints {
    /** The health endpoint's body: whether the server runs, and where its instance is in its life. */
    record Health(String status, String model) {
    }

    private ServingEndpoints() {
    }

    static Map<Route, Endpoint> of(ServingInstance instance, ServerLimits limits) {
        Map<Route, Endpoint> routes = new EnumMap<>(Route.class);
        routes.put(Route.HEALTH, x -> Reply.json(Json.canonical(new Health("ok", instance.state().name().toLowerCase()))));
        Admission attestations = new Admission(limits.maxAttestationsInFlight());
        routes.put(Route.ATTEST, x -> {
            AttestChallenge c = parse(x.body(limits.maxRequestBytes()), AttestChallenge.class, "attestation challenge");
            if (!attestations.tryEnter()) {
                throw new ServingFailure(Refusal.OVERLOADED, "this instance is making as much evidence as it makes at once; "
                        + "attest again shortly");
            }
            try {
                return Reply.json(Json.canonical(instance.attest(c)));
            } finally {
                attestations.leave();
            }
        });
        routes.put(Route.PROVISION, new Endpoint() {
            @Override
            public Reply handle(Exchange x) throws ServingFailure, java.io.IOException {
                try (InputStream body = x.bodyStream(limits.maxBodyBytes(Route.PROVISION))) {
                    ProvisionRelease release;
                    try {
                        release = ProvisionRelease.readPrefix(body);
                    } catch (ProtocolException e) {
                        throw new ServingFailure(400, FailureCode.PEER_PROTOCOL_ERROR, e.getMessage());
                    }
                    UploadAuthorization authorized;
                    try {
                        authorized = UploadAuthorization.parse(x.header(UploadAuthorization.HEADER));
                    } catch (ProtocolException e) {
                        throw new ServingFailure(403, FailureCode.CONTRACT_REFUSED, e.getMessage());
                    }
                    if (!java.security.MessageDigest.isEqual(authorized.enclaveNonce(), release.enclaveNonce())) {
                        throw new ServingFailure(403, FailureCode.CONTRACT_REFUSED, "the release answers another attestation than "
                                + "the upload's " + UploadAuthorization.HEADER + " header: both name the same enclave nonce");
                    }
                    instance.provision(release, body);
                    return Reply.json(Json.canonical(new Health("ok", instance.state().name().toLowerCase())));
                }
            }

            /**
             * Before its gigabyte is read: an instance that takes no model refuses any upload, and one that does takes only
             * the model provider's (anyone may connect, and uploads are read one at a time).
             */
            @Override
            public ServingFailure refusesAtHeaders(org.eclipse.jetty.http.HttpFields headers) {
                return instance.refusesUpload(headers.get(UploadAuthorization.HEADER));
            }
        });
        routes.put(Route.RETIRE, x -> {
            RetireRequest r = parse(x.body(limits.maxRequestBytes()), RetireRequest.class, "retire request");
            return Reply.json(Json.canonical(instance.retire(r)));
        });
        routes.put(Route.INFER, x -> {
            InferAnswer a = instance.infer(x.body(limits.maxRequestBytes()));
            return new Reply(a.status(), Reply.BINARY, a.sealed(), a.length());
        });
        routes.put(Route.LOG_HEAD, x -> Reply.json(Json.canonical(instance.head())));
        routes.put(Route.LOG_CONSISTENCY, x -> Reply.json(Json.canonical(instance.consistency(size(x, "from"), size(x, "to")))));
        return routes;
    }

    private static long size(Exchange x, String name) throws ServingFailure {
        String v = x.query(name);
        try {
            long n = Long.parseLong(v == null ? "" : v);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ServingFailure(400, FailureCode.PEER_PROTOCOL_ERROR, "query parameter '" + name + "' must be a tree size (0 or more)");
        }
    }

    static <T> T parse(byte[] body, Class<T> type, String what) throws ServingFailure {
        try {
            return Json.parse(body, type, what);
        } catch (ProtocolException e) {
            throw new ServingFailure(400, FailureCode.PEER_PROTOCOL_ERROR, e.getMessage());
        }
    }
}
