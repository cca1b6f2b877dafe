package dev.veil.protocol.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.json.Json;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A peer holding a connection without making progress (issue 7 item 5), at the frame layer: a message trickled a byte at
 * a time under the per-read timeout, and a peer that never reads what is sent to it. The JUnit timeouts only stop a
 * test that would otherwise hang when a defence is missing; nothing here measures speed.
 */
class ConnectionProgressAttackTest {
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void messageTrickledUnderTheReadTimeoutIsCutAtItsDeadline() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket peer = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             FrameChannel ch = new FrameChannel(server.accept())) {
            ch.setReadTimeout(Duration.ofSeconds(2));
            byte[] frame = frame(Json.canonical(new Messages.Accepted("step", "x".repeat(40))));
            // Four bytes a second, each read well inside the 2 s read timeout: the whole message takes some 20 s.
            Thread trickler = new Thread(() -> {
                try {
                    OutputStream out = peer.getOutputStream();
                    for (byte b : frame) {
                        out.write(b);
                        out.flush();
                        Thread.sleep(250);
                    }
                } catch (Exception stopped) {
                    // the channel gave up and the test closed the sockets
                }
            }, "trickler");
            trickler.setDaemon(true);
            trickler.start();
            assertThatThrownBy(() -> ch.receive(Messages.Accepted.class, Duration.ofSeconds(1)))
                    .as("a message trickled under the read timeout, past its 1 s deadline")
                    .isInstanceOf(FrameChannel.MessageDeadlinePassed.class);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void wholeMessageWithinItsDeadlineIsReceivedAndTheReadTimeoutComesBack() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket peer = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket accepted = server.accept();
             FrameChannel ch = new FrameChannel(accepted)) {
            ch.setReadTimeout(Duration.ofSeconds(30));
            peer.getOutputStream().write(frame(Json.canonical(new Messages.Accepted("step", "sent at once"))));
            assertThat(ch.receive(Messages.Accepted.class, Duration.ofSeconds(20)).detail()).isEqualTo("sent at once");
            assertThat(accepted.getSoTimeout()).as("the per-read timeout, once the message is in").isEqualTo(30_000);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void peerThatNeverReadsCannotHoldASendForEver() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket peer = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             FrameChannel ch = new FrameChannel(server.accept())) {
            ch.setSendTimeout(Duration.ofSeconds(1));
            long size = 1L << 30;   // far beyond both sockets' buffers: the peer reads none of it
            assertThatThrownBy(() -> ch.sendData(zeros(size), size))
                    .as("bulk data to a peer that reads nothing").isInstanceOf(FrameChannel.SendTimeoutPassed.class);
        }
    }

    private static byte[] frame(byte[] json) throws Exception {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.writeByte(1);
        d.writeInt(json.length);
        d.write(json);
        return b.toByteArray();
    }

    private static InputStream zeros(long size) {
        return new InputStream() {
            private long left = size;

            @Override
            public int read() {
                return left-- > 0 ? 0 : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                java.util.Arrays.fill(b, off, off + n, (byte) 0);
                left -= n;
                return n;
            }
        };
    }
}
