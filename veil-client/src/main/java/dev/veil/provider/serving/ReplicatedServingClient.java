package dev.veil.provider.serving;

import dev.veil.attest.AttestationException;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.provider.TrustedCollateral;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A data provider's client for several replicas of one serving contract: one {@link ServingClient} per replica, each
 * attesting its replica on first use and keeping that appraisal for its instance (a restarted replica, with new
 * instance keys, is appraised again). Requests are spread over the replicas in turn. When the replica a request went to
 * is gone — see {@link ReplicaOutage}: connection refused, reset or closed, no answer within
 * {@link FailoverPolicy#attemptTimeout()}, 502, 503, 504 in the clear, an answer from another instance than the one the
 * request was sealed to (a restart) — the same inputs are sealed anew, to the next replica's own
 * attested instance keys, and sent there: bytes sealed for one instance never go to another. Each replica is tried at
 * most once per request; a replica that failed is tried after the others for {@link FailoverPolicy#downFor()}.
 *
 * <p><b>What "idempotent" means here.</b> A request is safe to send again in the sense that its answer does not depend
 * on which replica or how often it runs: every replica runs the same attested model under the same contract, and the
 * answer is a function of the inputs alone. It is <em>not</em> idempotent in what it counts. The server counts a
 * request when it answers it: its rows go against the data provider's budget on that replica and a leaf goes into that
 * replica's log. If a replica answered and the answer was lost on the way back (the connection broke after the
 * server sent it, or the attempt timed out while the replica was still running it), the client cannot tell that from
 * a request never run, and the retry is counted a second time on the replica that answers it. So a data provider's
 * failover can cost it up to one request's rows per failed attempt, and a model provider's audit of the replicas'
 * logs can show one request twice. A request refused before it ran (503 shedding load, no model yet) is not counted.
 * Budgets are each replica's own (serving budgets are per instance), so a refusal for budget (429) is never sent on
 * to another replica.
 */
public final class ReplicatedServingClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicatedServingClient.class);

    /** The answer, the replica that gave it, and the replicas given up on for this request before it (in order). */
    public record Answered(URI replica, ServingClient.Inference inference, List<URI> gaveUpOn) {
        public Answered {
            gaveUpOn = List.copyOf(gaveUpOn);
        }
    }

    private static final class Replica {
        final URI uri;
        final ServingClient client;
        volatile Instant downUntil = Instant.MIN;

        Replica(URI uri, ServingClient client) {
            this.uri = uri;
            this.client = client;
        }
    }

    private final List<Replica> replicas;
    private final FailoverPolicy policy;
    private final Clock clock;
    private final AtomicInteger next = new AtomicInteger();
    /** Runs each attempt, so an attempt that outlives its timeout can be given up on (and interrupted). */
    private final ExecutorService attempts = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "veil-replica-attempt");
        t.setDaemon(true);
        return t;
    });

    public ReplicatedServingClient(List<URI> replicas, ServingContractVerifier.Verified contract) {
        this(replicas, contract, TrustedCollateral.NONE, Clock.systemUTC(), FailoverPolicy.forContract(contract));
    }

    /** @param ownCollateral collateral this provider obtains itself, preferred over what each replica's host sends */
    public ReplicatedServingClient(List<URI> replicas, ServingContractVerifier.Verified contract, TrustedCollateral ownCollateral,
                                   Clock clock, FailoverPolicy policy) {
        this(replicas, u -> new ServingClient(u, contract, ownCollateral, clock), clock, policy);
    }

    /**
     * @param clientFor the client of each replica (e.g. one trusting the operator's TLS CA), each made for this contract
     */
    public ReplicatedServingClient(List<URI> replicas, java.util.function.Function<URI, ServingClient> clientFor, Clock clock,
                                   FailoverPolicy policy) {
        if (replicas.isEmpty()) {
            throw new IllegalArgumentException("at least one replica is needed");
        }
        if (new LinkedHashSet<>(replicas).size() != replicas.size()) {
            throw new IllegalArgumentException("a replica is named twice");
        }
        List<Replica> r = new ArrayList<>();
        for (URI u : replicas) {
            ServingClient client = clientFor.apply(u);
            // One deployment, one contract: a failover must never move a request to another model, policy or provider.
            if (!r.isEmpty() && !java.security.MessageDigest.isEqual(client.contract().hash(), r.get(0).client.contract().hash())) {
                throw new IllegalArgumentException("replica " + u + " is given for serving contract " + client.contract().hashHex()
                        + ", not " + r.get(0).client.contract().hashHex() + " as replica " + r.get(0).uri
                        + ": replicas of one client serve one contract");
            }
            r.add(new Replica(u, client));
        }
        this.replicas = List.copyOf(r);
        this.policy = policy;
        this.clock = clock;
    }

    public List<URI> replicas() {
        return replicas.stream().map(r -> r.uri).toList();
    }

    /**
     * Data provider: {@link ServingClient#infer} on one replica, and on the next when that one is gone (see the class
     * comment for what a retry counts). Refusals that are not outages, and every attestation or protocol failure, are
     * thrown as they came. When every replica failed: the last refusal if all of them refused (503 with Retry-After),
     * else {@link ReplicasUnreachable} naming each.
     */
    public Answered infer(Identity dataProvider, byte[] inputsNpz) throws IOException, ProtocolException, AttestationException, ServingRefused {
        List<String> failures = new ArrayList<>();
        List<URI> gaveUpOn = new ArrayList<>();
        ServingRefused lastRefusal = null;
        IOException lastFailure = null;
        boolean allRefused = true;
        List<Replica> order = order();
        for (Replica r : order) {
            try {
                ServingClient.Inference answer = attempt(r, dataProvider, inputsNpz);
                r.downUntil = Instant.MIN;
                return new Answered(r.uri, answer, gaveUpOn);
            } catch (IOException | ServingRefused e) {
                if (Thread.currentThread().isInterrupted() || !ReplicaOutage.is(e)) {   // an interrupted caller tries no other replica
                    throw e;
                }
                r.downUntil = clock.instant().plus(policy.downFor());
                String how = ReplicaOutage.describe(e);
                failures.add(r.uri + " (" + how + ")");
                gaveUpOn.add(r.uri);
                if (e instanceof ServingRefused s) {
                    lastRefusal = s;
                } else {
                    allRefused = false;
                    lastFailure = (IOException) e;
                }
                if (gaveUpOn.size() < order.size()) {
                    LOG.info("serving replica {} failed ({}); the request goes to the next replica, sealed to its own keys", r.uri, how);
                }
            }
        }
        if (allRefused && lastRefusal != null) {
            throw lastRefusal;
        }
        throw new ReplicasUnreachable("no serving replica answered: " + String.join(", ", failures), lastFailure);
    }

    /** Every replica once: in turn from the next one, those that failed lately last (the longest ago first among them). */
    private List<Replica> order() {
        int n = replicas.size();
        int start = Math.floorMod(next.getAndIncrement(), n);
        Instant now = clock.instant();
        List<Replica> up = new ArrayList<>();
        List<Replica> down = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Replica r = replicas.get((start + i) % n);
            (now.isBefore(r.downUntil) ? down : up).add(r);
        }
        down.sort(Comparator.comparing(r -> r.downUntil));
        up.addAll(down);
        return up;
    }

    /** One attempt on one replica, given up on after the policy's timeout; its own copy of the inputs. */
    private ServingClient.Inference attempt(Replica r, Identity dataProvider, byte[] inputsNpz)
            throws IOException, ProtocolException, AttestationException, ServingRefused {
        byte[] own = inputsNpz.clone();
        Future<ServingClient.Inference> f = attempts.submit(() -> r.client.infer(dataProvider, own));
        try {
            return f.get(policy.attemptTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new java.net.http.HttpTimeoutException("no answer within " + policy.attemptTimeout().toSeconds() + " s");
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a serving replica");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException x) {
                throw x;
            } else if (c instanceof ProtocolException x) {
                throw x;
            } else if (c instanceof AttestationException x) {
                throw x;
            } else if (c instanceof ServingRefused x) {
                throw x;
            } else if (c instanceof RuntimeException x) {
                throw x;
            } else if (c instanceof Error x) {
                throw x;
            }
            throw new IllegalStateException(c);
        }
    }

    /** Stops the threads of attempts still running (those given up on). */
    @Override
    public void close() {
        attempts.shutdownNow();
    }
}
