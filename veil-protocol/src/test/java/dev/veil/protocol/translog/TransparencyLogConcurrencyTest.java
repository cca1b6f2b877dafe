package dev.veil.protocol.translog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Request threads append at once: every request gets its own sequence number, a head that covers its leaf (signed
 * for it, or by the request whose signature it waited for) and a proof into that head that verifies; and every head
 * handed out is consistent with the final one.
 */
class TransparencyLogConcurrencyTest {
    private static final byte[] CONTRACT = TestInstance.contractHash("contract A");

    @Test
    void concurrentRequestsEachGetAVerifiableReceipt() throws Exception {
        TestInstance instance = TestInstance.generate();
        TransparencyLog log = instance.log(CONTRACT);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<LogInclusion>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                futures.add(pool.submit(() -> log.append(TestInstance.someCommitments())));
            }
            List<LogInclusion> receipts = new ArrayList<>();
            for (Future<LogInclusion> f : futures) {
                receipts.add(f.get());
            }
            assertThat(receipts.stream().mapToLong(r -> r.leaf().sequence()).sorted().toArray())
                    .isEqualTo(LongStream.range(0, 200).toArray());
            SignedTreeHead last = log.head();
            for (LogInclusion r : receipts) {
                TreeHead head = LogVerifier.verifyInclusion(r, instance.keys(), CONTRACT);
                assertThat(head.treeSize()).isGreaterThan(r.leaf().sequence());
                LogVerifier.verifyConsistency(r.head(), last, log.consistency(head.treeSize(), 200), instance.keys(), CONTRACT);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
