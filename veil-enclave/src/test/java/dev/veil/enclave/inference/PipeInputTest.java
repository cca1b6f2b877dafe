package dev.veil.enclave.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The worker's reading of requests: numbers split across the pipe's reads, a tensor partly read ahead with its header
 * and the rest straight from the pipe, the end of input between requests and in the middle of one, and the read-ahead
 * buffer wiped of the data provider's bytes after a request.
 */
class PipeInputTest {
    /** A pipe that hands out at most {@code step} bytes per read, as a pipe may. */
    private static ReadableByteChannel trickle(byte[] bytes, int step) {
        return new ReadableByteChannel() {
            private int pos;

            @Override
            public int read(ByteBuffer dst) {
                if (pos == bytes.length) {
                    return -1;
                }
                int n = Math.min(Math.min(step, dst.remaining()), bytes.length - pos);
                dst.put(bytes, pos, n);
                pos += n;
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
    }

    private static byte[] request(byte[] tensor) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.writeByte(WorkerProtocol.RUN);
        d.writeShort(0xfffe);
        d.writeInt(-7);
        d.writeLong(Long.MIN_VALUE + 3);
        d.writeShort(3);
        d.write(new byte[] {'a', 'b', 'c'});
        d.write(tensor);
        d.writeByte(WorkerProtocol.CLOSE);
        return b.toByteArray();
    }

    @Test
    void readsNumbersAndATensorWhateverThePipeHandsOut() throws IOException {
        byte[] tensor = new byte[200_003];
        new Random(5).nextBytes(tensor);
        byte[] req = request(tensor);
        for (int step : new int[] {1, 3, 7, 64, 1000, req.length}) {
            for (int bufferBytes : new int[] {16, 64, 1 << 16}) {
                PipeInput in = new PipeInput(trickle(req, step), bufferBytes);
                assertThat(in.read()).isEqualTo(WorkerProtocol.RUN);
                assertThat(in.readUnsignedShort()).isEqualTo(0xfffe);
                assertThat(in.readInt()).isEqualTo(-7);
                assertThat(in.readLong()).isEqualTo(Long.MIN_VALUE + 3);
                byte[] name = new byte[in.readUnsignedShort()];
                in.readFully(name);
                assertThat(name).containsExactly('a', 'b', 'c');
                ByteBuffer direct = ByteBuffer.allocateDirect(tensor.length + 10);
                direct.limit(tensor.length);
                in.readFully(direct);
                direct.flip();
                byte[] got = new byte[direct.remaining()];
                direct.get(got);
                assertThat(got).as("step %d, buffer %d", step, bufferBytes).isEqualTo(tensor);
                assertThat(in.readUnsignedByte()).isEqualTo(WorkerProtocol.CLOSE);
                assertThat(in.read()).isEqualTo(-1);
            }
        }
    }

    @Test
    void anInputEndingInsideARequestIsAnEofNotAShortRead() throws IOException {
        byte[] req = request(new byte[100]);
        PipeInput cutInNumber = new PipeInput(trickle(Arrays.copyOf(req, 5), 2), 64);
        cutInNumber.read();
        cutInNumber.readUnsignedShort();
        assertThatThrownBy(cutInNumber::readInt).isInstanceOf(EOFException.class);

        PipeInput cutInTensor = new PipeInput(trickle(Arrays.copyOf(req, req.length - 10), 7), 64);
        cutInTensor.read();
        cutInTensor.readUnsignedShort();
        cutInTensor.readInt();
        cutInTensor.readLong();
        cutInTensor.readFully(new byte[cutInTensor.readUnsignedShort()]);
        assertThatThrownBy(() -> cutInTensor.readFully(ByteBuffer.allocateDirect(100))).isInstanceOf(EOFException.class);
    }

    /**
     * The read-ahead buffer holds a request's header and the first bytes of the data provider's tensor: once the request
     * is done they are zeroed, and bytes of the next request already read ahead are kept.
     */
    @Test
    void theDataProvidersBytesReadAheadAreWipedAfterARequest() throws Exception {
        byte[] tensor = new byte[40];
        Arrays.fill(tensor, (byte) 0x5a);
        byte[] req = request(tensor);
        PipeInput in = new PipeInput(trickle(req, req.length), 1 << 10);
        in.read();
        in.readUnsignedShort();
        in.readInt();
        in.readLong();
        in.readFully(new byte[in.readUnsignedShort()]);
        in.readFully(ByteBuffer.allocateDirect(tensor.length));
        in.wipeConsumed();
        ByteBuffer buffer = buffer(in);
        int next = buffer.position();
        ByteBuffer whole = buffer.duplicate().clear();
        for (int i = 0; i < whole.capacity(); i++) {
            if (i != next) {
                assertThat(whole.get(i)).as("byte %d", i).isZero();
            }
        }
        assertThat(in.readUnsignedByte()).as("the next request's byte survives").isEqualTo(WorkerProtocol.CLOSE);
    }

    private static ByteBuffer buffer(PipeInput in) throws ReflectiveOperationException {
        Field f = PipeInput.class.getDeclaredField("buffer");
        f.setAccessible(true);
        return (ByteBuffer) f.get(in);
    }
}
