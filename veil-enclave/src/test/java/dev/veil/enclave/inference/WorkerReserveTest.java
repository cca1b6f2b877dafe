package dev.veil.enclave.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.FloatTensor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worker started ahead of need: used once, by one runner, under the same limits as a worker started by it. */
class WorkerReserveTest {
    @TempDir
    Path scratch;

    @Test
    void aReserveWorkerServesOneRunnerAndIsNeverHandedToASecond() throws Exception {
        byte[] model = ModelRunnerTest.model();
        ProcessHandle refilled;
        try (WorkerReserve reserve = new WorkerReserve(scratch)) {
            reserve.refill();
            ModelRunner first = new ModelRunner(model, Signatures.of(model), 1, scratch, ModelRunner.DEFAULT_LOAD_LIMIT, reserve);
            ProcessHandle taken = first.workerProcess();
            assertThat(first.runBatch(BatchPipelineTest.rows(2)).floats().get(0).shape()).containsExactly(2, 2);
            // No refill in between: the second runner must start its own worker, not share the first one's.
            ModelRunner second = new ModelRunner(model, Signatures.of(model), 1, scratch, ModelRunner.DEFAULT_LOAD_LIMIT, reserve);
            long secondPid = second.workerProcess().pid();
            assertThat(secondPid).isNotEqualTo(taken.pid());
            assertThat(second.closeSession()).isTrue();
            assertThat(first.closeSession()).isTrue();
            assertThat(taken.isAlive()).as("the reserve worker has exited when its runner's session is reported closed").isFalse();
            refilled = newChild(Set.of(taken.pid(), secondPid));
        }
        assertThat(refilled.isAlive()).as("closing the reserve ended the worker started after the sessions").isFalse();
        assertThat(scratch.toFile().list()).as("every private directory was removed").isEmpty();
    }

    @Test
    void afterStopRefillingTheHeldWorkerIsStillTakenButNoneIsStartedAfterIt() throws Exception {
        byte[] model = ModelRunnerTest.model();
        try (WorkerReserve reserve = new WorkerReserve(scratch)) {
            Set<Long> others = pids();
            reserve.refill();
            ProcessHandle spare = newChild(others);
            reserve.stopRefilling();
            try (ModelRunner r = new ModelRunner(model, Signatures.of(model), 1, scratch, ModelRunner.DEFAULT_LOAD_LIMIT, reserve)) {
                assertThat(r.workerProcess().pid()).isEqualTo(spare.pid());
                assertThat(r.runBatch(BatchPipelineTest.rows(1)).floats()).hasSize(1);
            }
            spare.onExit().get(30, TimeUnit.SECONDS);
            reserve.refill();
            assertThat(reserve.take(ModelRunner.MIN_WORKER_HEAP)).as("no worker was started after the last one").isNull();
            assertThat(pids()).as("no worker process was started after the session").isSubsetOf(others);
        }
    }

    @Test
    void aReserveWorkerIsKilledAtTheLoadLimitLikeAnyOther() throws Exception {
        byte[] model = ModelRunnerTest.model();
        try (WorkerReserve reserve = new WorkerReserve(scratch)) {
            Set<Long> others = pids();
            reserve.refill();
            ProcessHandle spare = newChild(others);
            assertThatThrownBy(() -> new ModelRunner(model, Signatures.of(model), 1, scratch, Duration.ZERO, reserve))
                    .isInstanceOf(InferenceException.class)
                    .satisfies(e -> assertThat(((InferenceException) e).code()).isEqualTo(FailureCode.TIMEOUT));
            spare.onExit().get(30, TimeUnit.SECONDS);
            assertThat(spare.isAlive()).isFalse();
        }
    }

    @Test
    void aDeadReserveWorkerIsNotUsed() throws Exception {
        byte[] model = ModelRunnerTest.model();
        try (WorkerReserve reserve = new WorkerReserve(scratch)) {
            Set<Long> others = pids();
            reserve.refill();
            ProcessHandle spare = newChild(others);
            spare.destroyForcibly();
            spare.onExit().get(30, TimeUnit.SECONDS);
            try (ModelRunner r = new ModelRunner(model, Signatures.of(model), 1, scratch, ModelRunner.DEFAULT_LOAD_LIMIT, reserve)) {
                assertThat(r.workerProcess().pid()).isNotEqualTo(spare.pid());
                assertThat(r.runBatch(BatchPipelineTest.rows(1)).floats()).hasSize(1);
            }
        }
    }

    @Test
    void aGroupOfRowsIsRunInCallsOfTheGivenSizeInOrder() throws Exception {
        byte[] model = ModelRunnerTest.model();
        FloatTensor input = BatchPipelineTest.rows(7);
        try (ModelRunner r = new ModelRunner(model, Signatures.of(model), 1, scratch)) {
            List<Integer> rows = new ArrayList<>();
            List<float[]> scores = new ArrayList<>();
            float[] padded = java.util.Arrays.copyOf(input.values(), input.values().length + 5);   // a reused buffer, longer than the group
            r.runBatches(input.shape(), padded, 3, (out, n) -> {
                rows.add(n);
                scores.add(out.floats().get(0).values().clone());
            });
            assertThat(rows).containsExactly(3, 3, 1);
            List<ModelRunner.BatchOutput> oneByOne = Encoding.runAll(r, input, 3);
            for (int i = 0; i < 3; i++) {
                assertThat(scores.get(i)).containsExactly(oneByOne.get(i).floats().get(0).values());
            }
        }
    }

    private static Set<Long> pids() {
        return ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    /** The child process not in {@code others}, once the reserve has spawned it (it does so on its own thread). */
    private static ProcessHandle newChild(Set<Long> others) throws InterruptedException {
        for (int i = 0; i < 3000; i++) {
            var found = ProcessHandle.current().children().filter(h -> !others.contains(h.pid())).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the reserve started no worker");
    }
}
