package dev.veil.enclave.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ReadAheadTest {
    @Test
    void givesTheSourcesBytesInOrderAcrossManyChunks() throws Exception {
        byte[] data = new byte[ReadAhead.CHUNK_BYTES * 9 + 123];
        new Random(5).nextBytes(data);
        try (ReadAhead ahead = new ReadAhead(new ByteArrayInputStream(data), () -> { })) {
            assertThat(ahead.readAllBytes()).isEqualTo(data);
            assertThat(ahead.read()).isEqualTo(-1);
        }
    }

    /** A tampered segment or a malformed frame must reach the session as the exception it is, to be told apart. */
    @Test
    void sourcesFailureReachesTheReaderAsThrownAfterTheBytesBeforeIt() throws Exception {
        class Tampered extends IOException {
        }
        InputStream failing = new SequenceInputStream(new ByteArrayInputStream(new byte[100]), new InputStream() {
            @Override
            public int read() throws IOException {
                throw new Tampered();
            }
        });
        try (ReadAhead ahead = new ReadAhead(failing, () -> { })) {
            assertThatThrownBy(ahead::readAllBytes).isInstanceOf(Tampered.class);
        }
    }

    /** A read-ahead blocked in a socket read (which ignores interrupts) must not outlive the session: close cuts it. */
    @Test
    void closeCutsASourceBlockedInAnUninterruptibleRead() throws Exception {
        CountDownLatch cut = new CountDownLatch(1);
        CountDownLatch inRead = new CountDownLatch(1);
        AtomicBoolean cutCalled = new AtomicBoolean();
        InputStream stalls = new InputStream() {
            @Override
            public int read() throws IOException {
                inRead.countDown();
                boolean interrupted = false;
                while (cut.getCount() > 0) {
                    try {
                        cut.await();
                    } catch (InterruptedException e) {
                        interrupted = true;   // a socket read is not interrupted
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                return -1;
            }
        };
        ReadAhead ahead = new ReadAhead(stalls, () -> {
            cutCalled.set(true);
            cut.countDown();
        });
        inRead.await();
        ahead.close();
        assertThat(cutCalled).isTrue();
    }
}
