package dev.veil.enclave.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Free model time and unbounded memory through requests the instance has given up on. When a request's answer does not
 * come within max_inference_seconds + 30 s, {@code ServingInstance.answer} refuses it as {@code timeout}, gives its rows
 * back to the budget, zeroes its tensors and frees its admission slot, but leaves it in the coalescer's queue: it is
 * run later anyway (on zeroed tensors, possibly in a batch with others' requests) while the freed slot admits a new
 * request. A data provider who keeps the single model worker busy (max-size requests) has its requests time out at no
 * budget cost, and the queue fills with up to {@code BATCH_QUEUE} (1024) abandoned requests of up to 64 MiB each, which
 * admission (64 in flight) was meant to bound.
 *
 * <p>Safe behaviour: a request nobody waits for any more is dropped from the queue and never run (the instance cancels
 * its future on timeout; the coalescer skips cancelled requests), so its memory goes with its slot. Today the coalescer
 * runs a request whose future was cancelled. The same holds for a request given up on while its coalesced batch ran:
 * when that batch fails and its requests are run again one at a time, the abandoned one is not (it was, on its zeroed
 * tensors, for rows its budget had been given back).
 */
class AbandonedRequestAttackTest {
    @Test
    void requestGivenUpOnIsNotRunLater() throws Exception {
        CoalescerTest.FakeRunner runner = new CoalescerTest.FakeRunner();
        List<Integer> batchRows = new ArrayList<>();
        try (Coalescer<CoalescerTest.Req, String> c = new Coalescer<>(runner, r -> new Coalescer.Job() {
            @Override
            public int rows() {
                return r.rows();
            }

            @Override
            public Object shapeKey() {
                return r.shape();
            }
        }, true, 64, Duration.ZERO, 16, batchRows::add)) {
            CompletableFuture<String> first = c.submit(new CoalescerTest.Req("first", 1, "s"));
            runner.firstEntered.await();                       // the worker is busy
            CompletableFuture<String> abandoned = c.submit(new CoalescerTest.Req("abandoned", 1, "s"));
            abandoned.cancel(false);                           // its caller stopped waiting (timeout)
            runner.releaseFirst.countDown();
            first.get();
            CompletableFuture<String> next = c.submit(new CoalescerTest.Req("next", 1, "other-shape"));
            next.get();                                        // the worker has gone past everything queued before
            assertThat(runner.runs).as("runs after the request was abandoned")
                    .noneMatch(run -> run.contains("abandoned"));
        }
    }

    @Test
    void requestGivenUpOnWhileItsBatchRanIsNotRunAgainAlone() throws Exception {
        java.util.List<java.util.List<String>> runs = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.CountDownLatch batchEntered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch releaseBatch = new java.util.concurrent.CountDownLatch(1);
        CoalescerTest.FakeRunner first = new CoalescerTest.FakeRunner();
        Coalescer.BatchRunner<CoalescerTest.Req, String> runner = inputs -> {
            List<String> names = inputs.stream().map(CoalescerTest.Req::name).toList();
            if (names.size() > 1) {   // the batch: held while its last request's caller gives up
                runs.add(names);
                batchEntered.countDown();
                releaseBatch.await();
                throw new IllegalStateException("the model failed on these rows");
            }
            if (!names.equals(List.of("first"))) {
                runs.add(names);
            }
            return first.run(inputs);
        };
        try (Coalescer<CoalescerTest.Req, String> c = new Coalescer<>(runner, r -> new Coalescer.Job() {
            @Override
            public int rows() {
                return r.rows();
            }

            @Override
            public Object shapeKey() {
                return r.shape();
            }
        }, true, 64, Duration.ZERO, 16, rows -> { })) {
            CompletableFuture<String> held = c.submit(new CoalescerTest.Req("first", 1, "s"));
            first.firstEntered.await();                        // the worker is busy: the next three queue up together
            CompletableFuture<String> a = c.submit(new CoalescerTest.Req("a", 1, "s"));
            c.submit(new CoalescerTest.Req("b", 1, "s"));
            CompletableFuture<String> abandoned = c.submit(new CoalescerTest.Req("abandoned", 1, "s"));
            first.releaseFirst.countDown();
            held.get();
            batchEntered.await();                              // their batch runs
            abandoned.cancel(false);                           // its caller stopped waiting (timeout)
            releaseBatch.countDown();                          // the batch fails: each request is run again alone
            a.get();
            c.submit(new CoalescerTest.Req("next", 1, "other-shape")).get();
            assertThat(runs).as("runs after the batch failed")
                    .containsExactly(List.of("a", "b", "abandoned"), List.of("a"), List.of("b"), List.of("next"));
        }
    }
}
