package dev.veil.spark.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.enclave.inference.InferenceException;
import dev.veil.protocol.receipt.FailureCode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RunAheadTest {
    private static RunAhead.Run cells(byte... values) {
        return () -> {
            List<byte[]> rows = new ArrayList<>();
            for (byte v : values) {
                rows.add(new byte[] {v});
            }
            return rows;
        };
    }

    @Test
    void eachRunComesBackWithItsOwnRowsInTheOrderTheRunsStarted() throws Exception {
        try (RunAhead ahead = new RunAhead()) {
            assertThat(ahead.next(List.of(0L, 1L), cells((byte) 10, (byte) 11))).isNull();
            RunAhead.Done first = ahead.next(List.of(2L), cells((byte) 12));
            assertThat(first.indices()).containsExactly(0L, 1L);
            assertThat(first.rows()).containsExactly(new byte[] {10}, new byte[] {11});
            RunAhead.Done second = ahead.last();
            assertThat(second.indices()).containsExactly(2L);
            assertThat(second.rows()).containsExactly(new byte[] {12});
            assertThat(ahead.last()).isNull();
        }
    }

    @Test
    void aRunIsStartedOnlyOnceThePreviousOneEnded() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicBoolean overlapped = new AtomicBoolean();
        RunAhead.Run run = () -> {
            if (running.incrementAndGet() > 1) {
                overlapped.set(true);
            }
            Thread.sleep(5);
            running.decrementAndGet();
            return List.of(new byte[] {1});
        };
        try (RunAhead ahead = new RunAhead()) {
            for (long i = 0; i < 20; i++) {
                ahead.next(List.of(i), run);
            }
            ahead.last();
        }
        assertThat(overlapped).as("two runs of one partition at once").isFalse();
    }

    @Test
    void aRunsFailureIsThrownWithItsOwnCode() throws Exception {
        try (RunAhead ahead = new RunAhead()) {
            ahead.next(List.of(0L), () -> {
                throw new InferenceException(FailureCode.DATASET_INVALID, "a row of the dataset is not a tensor cell Veil wrote");
            });
            assertThatThrownBy(ahead::last).isInstanceOfSatisfying(InferenceException.class,
                    e -> assertThat(e.code()).isEqualTo(FailureCode.DATASET_INVALID));
        }
    }

    @Test
    void closingWaitsForARunTheTaskDidNotTake() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean finished = new AtomicBoolean();
        RunAhead ahead = new RunAhead();
        ahead.next(List.of(0L), () -> {
            started.countDown();
            Thread.sleep(50);
            finished.set(true);
            return List.of(new byte[] {1});
        });
        started.await();
        ahead.close();   // as when the task failed while reading the next group
        assertThat(finished).as("the run ended before its task did").isTrue();
    }
}
