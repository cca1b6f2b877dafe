package dev.veil.enclave.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Deterministic: requests queue up while a first run is held, so what shares the next run never depends on timing. */
class CoalescerTest {
    /** A request of the fake model: a name, its rows, its shape. */
    record Req(String name, int rows, String shape) {
    }

    /** Records each run; the first run is held until released, so the others queue behind it. */
    static final class FakeRunner implements Coalescer.BatchRunner<Req, String> {
        final List<List<String>> runs = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch firstEntered = new CountDownLatch(1);
        final CountDownLatch releaseFirst = new CountDownLatch(1);

        @Override
        public List<String> run(List<Req> inputs) throws Exception {
            runs.add(inputs.stream().map(Req::name).collect(Collectors.toList()));
            if (firstEntered.getCount() > 0) {
                firstEntered.countDown();
                releaseFirst.await();
            }
            if (inputs.stream().anyMatch(r -> r.name().startsWith("poison"))) {
                throw new IllegalStateException("the model failed on these rows");
            }
            return inputs.stream().map(r -> "out:" + r.name()).collect(Collectors.toList());
        }
    }

    private static Coalescer<Req, String> coalescer(FakeRunner runner, boolean coalesce, int maxRows, int capacity, List<Integer> batchRows) {
        return new Coalescer<>(runner, r -> new Coalescer.Job() {
            @Override
            public int rows() {
                return r.rows();
            }

            @Override
            public Object shapeKey() {
                return r.shape();
            }
        }, coalesce, maxRows, Duration.ZERO, capacity, batchRows::add);
    }

    /** Holds the worker in a first run, queues {@code queued}, releases it, and answers every request's output. */
    private static List<String> queueBehindAFirstRun(Coalescer<Req, String> c, FakeRunner runner, Req... queued) throws Exception {
        CompletableFuture<String> first = c.submit(new Req("first", 1, "s"));
        runner.firstEntered.await();
        List<CompletableFuture<String>> futures = new ArrayList<>();
        for (Req r : queued) {
            futures.add(c.submit(r));
        }
        runner.releaseFirst.countDown();
        assertThat(first.get()).isEqualTo("out:first");
        List<String> out = new ArrayList<>();
        for (CompletableFuture<String> f : futures) {
            try {
                out.add(f.get());
            } catch (ExecutionException e) {
                out.add("failed");
            }
        }
        return out;
    }

    @Test
    void queuedRequestsOfOneShapeShareOneRunAndEachGetsItsOwnOutput() throws Exception {
        FakeRunner runner = new FakeRunner();
        List<Integer> batchRows = Collections.synchronizedList(new ArrayList<>());
        try (Coalescer<Req, String> c = coalescer(runner, true, 64, 100, batchRows)) {
            List<String> out = queueBehindAFirstRun(c, runner, new Req("a", 2, "s"), new Req("b", 3, "s"), new Req("c", 1, "s"));
            assertThat(out).containsExactly("out:a", "out:b", "out:c");
            assertThat(runner.runs).containsExactly(List.of("first"), List.of("a", "b", "c"));
            assertThat(batchRows).containsExactly(1, 6);
        }
    }

    @Test
    void batchRowsAreBounded() throws Exception {
        FakeRunner runner = new FakeRunner();
        try (Coalescer<Req, String> c = coalescer(runner, true, 4, 100, new ArrayList<>())) {
            queueBehindAFirstRun(c, runner, new Req("a", 2, "s"), new Req("b", 2, "s"), new Req("c", 2, "s"), new Req("big", 9, "s"));
            assertThat(runner.runs).containsExactly(List.of("first"), List.of("a", "b"), List.of("c"), List.of("big"));
        }
    }

    @Test
    void requestsOfDifferentShapesNeverShareARun() throws Exception {
        FakeRunner runner = new FakeRunner();
        try (Coalescer<Req, String> c = coalescer(runner, true, 64, 100, new ArrayList<>())) {
            queueBehindAFirstRun(c, runner, new Req("a", 1, "s"), new Req("x", 1, "t"), new Req("b", 1, "s"));
            assertThat(runner.runs).containsExactly(List.of("first"), List.of("a", "b"), List.of("x"));
        }
    }

    @Test
    void oneDataProvidersFailingRowsCannotFailAnothersRequest() throws Exception {
        FakeRunner runner = new FakeRunner();
        try (Coalescer<Req, String> c = coalescer(runner, true, 64, 100, new ArrayList<>())) {
            List<String> out = queueBehindAFirstRun(c, runner, new Req("a", 1, "s"), new Req("poison", 1, "s"), new Req("b", 1, "s"));
            assertThat(out).containsExactly("out:a", "failed", "out:b");
            assertThat(runner.runs).containsExactly(List.of("first"), List.of("a", "poison", "b"), List.of("a"), List.of("poison"), List.of("b"));
        }
    }

    @Test
    void aModelWithoutAFreeBatchDimensionRunsOneRequestPerRun() throws Exception {
        FakeRunner runner = new FakeRunner();
        try (Coalescer<Req, String> c = coalescer(runner, false, 64, 100, new ArrayList<>())) {
            queueBehindAFirstRun(c, runner, new Req("a", 1, "s"), new Req("b", 1, "s"));
            assertThat(runner.runs).containsExactly(List.of("first"), List.of("a"), List.of("b"));
        }
    }

    @Test
    void aFullQueueRefusesAtOnceInsteadOfGrowing() throws Exception {
        FakeRunner runner = new FakeRunner();
        try (Coalescer<Req, String> c = coalescer(runner, true, 64, 2, new ArrayList<>())) {
            CompletableFuture<String> first = c.submit(new Req("first", 1, "s"));
            runner.firstEntered.await();   // taken off the queue: two places left
            CompletableFuture<String> a = c.submit(new Req("a", 1, "s"));
            CompletableFuture<String> b = c.submit(new Req("b", 1, "s"));
            assertThatThrownBy(() -> c.submit(new Req("c", 1, "s"))).isInstanceOf(Coalescer.Full.class);
            runner.releaseFirst.countDown();
            assertThat(List.of(first.get(), a.get(), b.get())).containsExactly("out:first", "out:a", "out:b");
        }
    }

    @Test
    void aWaitLongerThanTwoMillisecondsIsRefused() {
        assertThatThrownBy(() -> new Coalescer<Req, String>(new FakeRunner(), r -> null, true, 8, Duration.ofMillis(3), 10, n -> {
        })).isInstanceOf(IllegalArgumentException.class);
    }
}
