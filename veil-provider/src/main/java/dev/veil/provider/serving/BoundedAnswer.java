package dev.veil.provider.serving;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Reads a serving server's answer into memory up to a bound, and hangs up past it. Whoever answers in a replica's
 * place (its host, the network) is not trusted: without a bound it could make a provider's process hold as many bytes
 * as it sends. The bound is the route's for a success, {@link #MAX_REFUSAL_BYTES} for a refusal.
 */
final class BoundedAnswer implements HttpResponse.BodySubscriber<byte[]> {
    /** A refusal: an error body, or a sealed failure (its detail is at most a thousand characters). */
    static final int MAX_REFUSAL_BYTES = 64 * 1024;

    /** Past the bound: the exchange was cancelled, the connection closed. */
    static final class TooLarge extends RuntimeException {
        private final long max;

        TooLarge(long max) {
            super("the server's answer is over " + max + " bytes", null, false, false);
            this.max = max;
        }

        long max() {
            return max;
        }
    }

    private final long max;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.Subscription subscription;

    private BoundedAnswer(long max) {
        this.max = max;
    }

    /** Answers of at most {@code maxSuccess} bytes for a 2xx status, {@link #MAX_REFUSAL_BYTES} otherwise. */
    static HttpResponse.BodyHandler<byte[]> handler(long maxSuccess) {
        return info -> new BoundedAnswer(info.statusCode() / 100 == 2 ? maxSuccess : Math.min(maxSuccess, MAX_REFUSAL_BYTES));
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (result.isDone()) {
            return;
        }
        for (ByteBuffer b : items) {
            if ((long) out.size() + b.remaining() > max) {
                subscription.cancel();   // the client stops reading and closes the connection
                result.completeExceptionally(new TooLarge(max));
                return;
            }
            byte[] chunk = new byte[b.remaining()];
            b.get(chunk);
            out.write(chunk, 0, chunk.length);
        }
        subscription.request(1);
    }

    @Override
    public void onError(Throwable t) {
        result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        result.complete(out.toByteArray());
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return result;
    }
}
