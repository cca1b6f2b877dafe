package dev.veil.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.wire.FrameChannel;
import dev.veil.protocol.wire.Messages;
import dev.veil.protocol.wire.PeerFailure;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/** A peer cannot make the other side allocate what it likes, or slip in more or less data than announced. */
class FrameChannelTest {
    interface Peer {
        void write(DataOutputStream out) throws Exception;
    }

    static FrameChannel receiving(Peer peer) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
            Socket accepted = server.accept();
            DataOutputStream out = new DataOutputStream(client.getOutputStream());
            peer.write(out);
            out.flush();
            return new FrameChannel(accepted);
        }
    }

    @Test
    void oversizedMessageLengthIsRefusedBeforeAllocating() throws Exception {
        try (FrameChannel ch = receiving(out -> {
            out.writeByte(1);
            out.writeInt(Integer.MAX_VALUE);
        })) {
            assertThatThrownBy(ch::receive).hasMessageContaining("out of bounds");
        }
    }

    @Test
    void dataBeyondWhatWasAnnouncedOrAboveTheLimitIsRefused() throws Exception {
        try (FrameChannel ch = receiving(out -> {
            out.writeByte(2);
            out.writeInt(10);
            out.write(new byte[10]);
        })) {
            assertThatThrownBy(() -> ch.receiveData(5, 100)).hasMessageContaining("oversized data frame");
        }
        try (FrameChannel ch = receiving(out -> { })) {
            assertThatThrownBy(() -> ch.receiveData(1L << 40, 1 << 20)).hasMessageContaining("exceeds the limit");
        }
        try (FrameChannel ch = receiving(out -> {
            out.writeByte(2);
            out.writeInt(3);
            out.write(new byte[3]);
            out.writeByte(3);
            out.writeInt(0);
        })) {
            assertThatThrownBy(() -> ch.receiveData(5, 100)).hasMessageContaining("sent 3 bytes of data, announced 5");
        }
    }

    @Test
    void aFailureMessageBecomesTheReasonAndUnexpectedMessagesAreNamed() throws Exception {
        byte[] json = "{\"type\":\"failure\",\"code\":\"contract_refused\",\"reason\":\"no\"}".getBytes();
        try (FrameChannel ch = receiving(out -> {
            out.writeByte(1);
            out.writeInt(json.length);
            out.write(json);
        })) {
            assertThatThrownBy(ch::receive).hasMessage("peer refused (contract_refused): no").isInstanceOf(PeerFailure.class);
        }
        byte[] uncoded = "{\"type\":\"failure\",\"reason\":\"987654 is not a number\"}".getBytes();
        try (FrameChannel ch = receiving(out -> {
            out.writeByte(1);
            out.writeInt(uncoded.length);
            out.write(uncoded);
        })) {
            assertThatThrownBy(ch::receive).as("a failure without a code from the vocabulary").isNotInstanceOf(PeerFailure.class)
                    .hasMessageContaining("not valid");
        }
        byte[] accepted = "{\"type\":\"accepted\",\"step\":\"x\",\"detail\":\"y\"}".getBytes();
        try (FrameChannel ch = receiving(out -> {
            out.writeByte(1);
            out.writeInt(accepted.length);
            out.write(accepted);
        })) {
            assertThatThrownBy(() -> ch.receive(Messages.Hello.class)).hasMessageContaining("expected 'Hello'");
        }
        assertThat(FrameChannel.MAX_MESSAGE).isEqualTo(1 << 20);
    }
}
