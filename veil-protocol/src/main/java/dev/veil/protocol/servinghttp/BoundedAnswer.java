package dev.veil.protocol.servinghttp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One HTTP exchange with a peer nobody trusts (a serving replica's host, a key broker, the network between): its
 * answer read into memory up to a bound, hanging up past it, and the whole of it (headers and body) within a
 * deadline. The JDK client's request timeout ends at the headers; a peer that sends them and then trickles the body
 * would otherwise hold the caller for ever, and one that sends a body of any size would fill its memory.
 */
public final class BoundedAnswer implements HttpResponse.BodySubscriber<byte[]> {
    /** The answer was longer than its bound: the exchange was cancelled and the connection closed. */
    public static final class TooLarge extends IOException {
        private final long max;

        TooLarge(long max) {
            super("the answer is over " + max + " bytes");
            this.max = max;
        }

        public long max() {
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

    /**
     * Sends {@code request} and reads its answer: at most {@code maxSuccess} bytes for a 2xx status, {@code maxRefusal}
     * otherwise, all of it within {@code within}.
     *
     * @throws TooLarge past the bound
     * @throws HttpTimeoutException past the deadline
     */
    public static HttpResponse<byte[]> exchange(HttpClient http, HttpRequest request, long maxSuccess, long maxRefusal,
                                                Duration within) throws IOException {
        CompletableFuture<HttpResponse<byte[]>> pending = http.sendAsync(
                HttpRequest.newBuilder(request, (name, value) -> true).timeout(within).build(),
                info -> new BoundedAnswer(info.statusCode() / 100 == 2 ? maxSuccess : maxRefusal));
        try {
            return pending.get(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + request.uri().getHost());
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw new HttpTimeoutException("no whole answer from " + request.uri().getHost() + " within " + within.toSeconds() + " s");
        } catch (ExecutionException e) {
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                if (c instanceof TooLarge t) {
                    throw new TooLarge(t.max());
                }
            }
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("the exchange with " + request.uri().getHost() + " failed: " + e.getCause().getClass().getSimpleName(),
                    e.getCause());
        }
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
                subscription.cancel();   // stop reading: the client closes the connection
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
