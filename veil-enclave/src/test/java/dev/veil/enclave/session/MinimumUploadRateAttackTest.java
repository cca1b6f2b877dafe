package dev.veil.enclave.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Attacks on the minimum upload rate from the review of the streaming pipeline (issue 11). The rate is a running
 * average over the whole upload, so bytes sent fast at the start are credit that a hostile host then spends trickling.
 */
class MinimumUploadRateAttackTest {
    /**
     * The host forwards the first 4 MiB of the data provider's upload at full speed, then one byte per read, each read
     * well inside the idle timeout. 4 MiB at the 64 KiB/s floor is 64 s of credit after the grace (a 2 GiB dataset
     * is 9 hours of it), during which the session holds both keys and the reader thread sits in a socket read that
     * the contract's time limit cannot interrupt (BatchPipeline joins it). Here the trickle runs for 4 s of waiting,
     * at some 20 bytes/s, four times the 1 s grace, and must be refused: the floor has to hold over recent waiting,
     * not be paid for in advance.
     */
    @Test
    void fastStartBanksCreditForAnHoursLongTrickle() {
        InputStream burstThenTrickle = new InputStream() {
            private boolean burstSent;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (!burstSent) {
                    burstSent = true;
                    return Math.min(len, 4 << 20);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
                return 1;
            }
        };
        assertThatThrownBy(() -> {
            try (InputStream upload = new MinimumUploadRate(burstThenTrickle, Duration.ofSeconds(1))) {
                byte[] burst = new byte[4 << 20];
                assertThat(upload.read(burst, 0, burst.length)).isEqualTo(burst.length);
                long start = System.nanoTime();
                byte[] one = new byte[1];
                while (System.nanoTime() - start < 4_000_000_000L) {
                    upload.read(one, 0, 1);
                }
            }
        }).as("a 20 bytes/s trickle for 4 s after a 4 MiB burst, with a 1 s grace and a 64 KiB/s floor")
                .isInstanceOf(MinimumUploadRate.TooSlow.class);
    }
}
