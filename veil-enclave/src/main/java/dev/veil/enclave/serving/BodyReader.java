package dev.veil.enclave.serving;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Reads one request's whole body before the request is admitted, without a thread: Jetty calls back as bytes arrive,
 * and a client that sends slowly holds a socket and the bytes it sent, never an admission slot or a pool thread. The
 * whole body must arrive within a deadline counted from the start (not per read, which a trickle would keep alive); it
 * is bounded in size for its route and, over all connections, by the {@link BodyBudget}.
 */
final class BodyReader implements Runnable {
    /** How a read ends: with the body, or with the refusal to answer. Called once. */
    interface Done {
        /** The whole body; {@code held} bytes of the {@link BodyBudget} are the caller's to give back. */
        void body(byte[] body, long held);

        void refused(ServingFailure failure);
    }

    private final Request request;
    private final long max;
    private final long declared;
    private final BodyBudget budget;
    private final Done done;
    private Scheduler.Task deadline;
    private byte[] buffer = new byte[0];
    private int length;
    private boolean finished;

    private BodyReader(Request request, long max, BodyBudget budget, Done done) {
        this.request = request;
        this.max = max;
        this.declared = request.getLength();
        this.budget = budget;
        this.done = done;
    }

    /** Starts reading; {@code done} is called once, possibly before this returns. */
    static void read(Request request, long max, Duration timeout, BodyBudget budget, Done done) {
        BodyReader r = new BodyReader(request, max, budget, done);
        if (r.declared > max) {
            r.finish(tooLarge(max));
            return;
        }
        synchronized (r) {
            r.deadline = request.getComponents().getScheduler().schedule(() -> r.finish(new ServingFailure(Refusal.TIMEOUT,
                    "the request body did not arrive whole within " + timeout.toSeconds() + " s; send it at once")),
                    timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        r.run();
    }

    /** Jetty's demand callback: takes every chunk there is, then asks to be called again. */
    @Override
    public void run() {
        while (true) {
            Content.Chunk chunk;
            synchronized (this) {
                if (finished) {
                    return;
                }
                chunk = request.read();
            }
            if (chunk == null) {
                request.demand(this);
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                finish(new ServingFailure(Refusal.BAD_REQUEST, "the request body could not be read"));
                return;
            }
            ServingFailure refused;
            try {
                refused = append(chunk.getByteBuffer());
            } finally {
                chunk.release();
            }
            if (refused != null) {
                finish(refused);
                return;
            }
            if (chunk.isLast()) {
                finish(null);
                return;
            }
        }
    }

    /** Copies {@code b} in, growing the buffer within the bounds; a refusal, or null. */
    private synchronized ServingFailure append(ByteBuffer b) {
        if (finished) {
            return null;
        }
        int n = b.remaining();
        long needed = (long) length + n;
        if (needed > max) {
            return tooLarge(max);
        }
        if (needed > buffer.length) {
            // Doubling as bytes arrive, so a client holds about what it sent (not what it declared); capped at the declared
            // length, so a body that arrives as declared needs no copy at the end.
            long ceiling = declared >= 0 ? Math.max(declared, needed) : max;
            long cap = Math.min(ceiling, Math.max(needed, Math.max(8192L, 2L * buffer.length)));
            if (!budget.tryTake(cap - buffer.length)) {
                return new ServingFailure(Refusal.OVERLOADED, "the server holds as many request bodies as it can; retry later");
            }
            buffer = Arrays.copyOf(buffer, (int) cap);
        }
        b.get(buffer, length, n);
        length += n;
        return null;
    }

    private void finish(ServingFailure failure) {
        long held;
        byte[] body;
        synchronized (this) {
            if (finished) {
                return;
            }
            finished = true;
            if (deadline != null) {
                deadline.cancel();
            }
            held = buffer.length;
            body = length == buffer.length ? buffer : Arrays.copyOf(buffer, length);
            buffer = null;
        }
        if (failure == null) {
            done.body(body, held);
        } else {
            budget.give(held);
            done.refused(failure);
        }
    }

    private static ServingFailure tooLarge(long max) {
        return new ServingFailure(Refusal.TOO_LARGE, "the request body is over this server's limit of " + max + " bytes");
    }
}
