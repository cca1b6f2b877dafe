package dev.veil.protocol.wire;

import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Length-prefixed frames over a socket: {@code type (u8) | length (u32, big-endian) | payload}. Type 1 is a JSON
 * {@link Message}, type 2 a chunk of bulk data, type 3 ends bulk data. Sizes are bounded before anything is
 * allocated, so a peer cannot make us allocate what it likes.
 *
 * <p>Two clocks bound a read. The read timeout ({@link #setReadTimeout}) is per read: it ends a silent peer, but a peer
 * sending a byte just inside it keeps a read going forever. A message deadline ({@link #receive(Class, Duration)}) is
 * per message, as web servers bound a request's headers: the whole message must be in by then, however the peer paces
 * its bytes. A send timeout ({@link #setSendTimeout}) bounds the other direction: a peer that stops reading fills the
 * socket's buffers and would hold a write, and the connection, for ever.
 */
public final class FrameChannel implements AutoCloseable {
    private static final int MESSAGE = 1;
    private static final int DATA = 2;
    private static final int DATA_END = 3;
    public static final int MAX_MESSAGE = 1 << 20;
    public static final int CHUNK = 1 << 20;

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    /** The per-read timeout in milliseconds, 0 for none. */
    private int readTimeoutMillis;
    /** When the message being received must be in ({@link System#nanoTime()}), while {@link #deadlineSet}. */
    private long deadlineNanos;
    private boolean deadlineSet;
    private Duration deadlineAllowed;
    /** How long one write to the socket may block, in milliseconds; 0 for no limit. */
    private volatile long sendTimeoutMillis;
    /** Set when a write passed the send timeout and the socket was closed under it. */
    private volatile boolean sendStalled;

    /** A message did not arrive whole within its deadline. */
    public static final class MessageDeadlinePassed extends SocketTimeoutException {
        private static final long serialVersionUID = 1L;

        MessageDeadlinePassed(Duration allowed) {
            super("the peer's message did not arrive whole within " + allowed.toMillis() + " ms");
        }
    }

    /** A write to the peer did not complete within the send timeout: the peer stopped reading. */
    public static final class SendTimeoutPassed extends SocketTimeoutException {
        private static final long serialVersionUID = 1L;

        SendTimeoutPassed(long millis) {
            super("a write to the peer did not complete within " + millis + " ms (it stopped reading); the connection was closed");
        }
    }

    /** Closes the sockets of writes past their send timeout; one daemon thread, made only when a send timeout is used. */
    private static final class SendDeadlines {
        static final ScheduledThreadPoolExecutor TIMER = timer();

        private static ScheduledThreadPoolExecutor timer() {
            ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
                Thread th = new Thread(r, "veil-send-deadline");
                th.setDaemon(true);
                return th;
            });
            t.setRemoveOnCancelPolicy(true);   // one timer per write, nearly all cancelled: none may linger
            return t;
        }
    }

    public FrameChannel(Socket socket) throws IOException {
        this.socket = socket;
        // Request/response frames: without this, Nagle and delayed ACKs add ~40 ms per round trip.
        socket.setTcpNoDelay(true);
        this.readTimeoutMillis = socket.getSoTimeout();
        this.in = new DataInputStream(new BufferedInputStream(new DeadlineInput(socket.getInputStream()), 1 << 16));
        this.out = new DataOutputStream(new BufferedOutputStream(new DeadlineOutput(socket.getOutputStream()), 1 << 16));
    }

    public void send(Message m) throws IOException {
        byte[] json = Json.canonical(m);
        if (json.length > MAX_MESSAGE) {
            throw new IOException("message too large to send: " + json.length + " bytes");
        }
        out.writeByte(MESSAGE);
        out.writeInt(json.length);
        out.write(json);
        out.flush();
    }

    /** Receives the next message; a {@link Messages.Failure} from the peer becomes a {@link PeerFailure}. */
    public Message receive() throws IOException, ProtocolException {
        int type = readType();
        if (type != MESSAGE) {
            throw new ProtocolException("peer sent a data frame where a message was expected");
        }
        int len = in.readInt();
        if (len < 0 || len > MAX_MESSAGE) {
            throw new ProtocolException("peer message length " + len + " is out of bounds (max " + MAX_MESSAGE + ")");
        }
        byte[] json = in.readNBytes(len);
        if (json.length != len) {
            throw new EOFException("peer closed the connection mid-message");
        }
        Message m = Json.parse(json, Message.class, "message from peer");
        if (m instanceof Messages.Failure f) {
            throw new PeerFailure(f);
        }
        return m;
    }

    public <T extends Message> T receive(Class<T> expected) throws IOException, ProtocolException {
        Message m = receive();
        if (!expected.isInstance(m)) {
            throw new ProtocolException("peer sent '" + m.getClass().getSimpleName() + "', expected '" + expected.getSimpleName() + "'");
        }
        return expected.cast(m);
    }

    /**
     * As {@link #receive(Class)}, but the message must be in whole within {@code within} of this call (waiting for its
     * first byte included), however slowly the peer trickles it: past that, {@link MessageDeadlinePassed}. The per-read
     * timeout still applies within the deadline.
     */
    public <T extends Message> T receive(Class<T> expected, Duration within) throws IOException, ProtocolException {
        if (within.isNegative() || within.isZero()) {
            throw new IllegalArgumentException("a message deadline must be positive");
        }
        deadlineNanos = System.nanoTime() + within.toNanos();
        deadlineAllowed = within;
        deadlineSet = true;
        try {
            return receive(expected);
        } finally {
            deadlineSet = false;
            if (!socket.isClosed()) {   // closed under us (a stalled send): nothing to restore, and no error to mask
                socket.setSoTimeout(readTimeoutMillis);
            }
        }
    }

    public void sendData(byte[] data) throws IOException {
        for (int off = 0; off < data.length; off += CHUNK) {
            int n = Math.min(CHUNK, data.length - off);
            out.writeByte(DATA);
            out.writeInt(n);
            out.write(data, off, n);
        }
        out.writeByte(DATA_END);
        out.writeInt(0);
        out.flush();
    }

    /** Sends {@code size} bytes read from {@code data} as data frames, then the end frame. */
    public void sendData(InputStream data, long size) throws IOException {
        byte[] buf = new byte[CHUNK];
        long sent = 0;
        int n;
        while ((n = data.readNBytes(buf, 0, (int) Math.min(CHUNK, size - sent))) > 0) {
            out.writeByte(DATA);
            out.writeInt(n);
            out.write(buf, 0, n);
            sent += n;
        }
        if (sent != size || data.read() >= 0) {
            throw new IOException("the data to send is not the " + size + " bytes announced");
        }
        out.writeByte(DATA_END);
        out.writeInt(0);
        out.flush();
    }

    /**
     * Bulk data announced as {@code size} bytes, read as the caller pulls it: a frame is read only when the caller needs
     * its bytes, so a slow reader holds the sender back (TCP flow control) instead of growing memory here. The stream's
     * clean end comes only with the end frame after exactly {@code size} bytes; anything else is a
     * {@link DataFrameInputStream.Malformed}.
     */
    public DataFrameInputStream dataInput(long size) {
        return new DataFrameInputStream(size);
    }

    /** Bulk data pulled frame by frame; see {@link #dataInput}. */
    public final class DataFrameInputStream extends InputStream {
        /** The peer's data frames broke the framing or the announced size. */
        public static final class Malformed extends IOException {
            Malformed(String message) {
                super(message);
            }
        }

        private final long size;
        private long got;
        private int leftInFrame;
        private boolean ended;

        private DataFrameInputStream(long size) {
            this.size = size;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (leftInFrame == 0) {
                if (ended) {
                    return -1;
                }
                nextFrame();
            }
            int n = in.read(b, off, Math.min(len, leftInFrame));
            if (n < 0) {
                throw new EOFException("peer closed the connection mid-frame");
            }
            leftInFrame -= n;
            return n;
        }

        private void nextFrame() throws IOException {
            int type = readType();
            int len = in.readInt();
            if (type == DATA_END) {
                if (got != size) {
                    throw new Malformed("peer sent " + got + " bytes of data, announced " + size);
                }
                ended = true;
                return;
            }
            if (type != DATA || len < 0 || len > CHUNK || got + len > size) {
                throw new Malformed("peer sent a malformed or oversized data frame (" + (got + len) + " of " + size + " bytes)");
            }
            got += len;
            leftInFrame = len;
        }
    }

    /** Receives bulk data announced as {@code size} bytes, refusing anything longer or shorter. */
    public void receiveData(long size, OutputStream sink) throws IOException, ProtocolException {
        long got = 0;
        byte[] buf = new byte[CHUNK];
        while (true) {
            int type = readType();
            int len = in.readInt();
            if (type == DATA_END) {
                break;
            }
            if (type != DATA || len < 0 || len > CHUNK || got + len > size) {
                throw new ProtocolException("peer sent a malformed or oversized data frame (" + (got + len) + " of " + size + " bytes)");
            }
            in.readFully(buf, 0, len);
            sink.write(buf, 0, len);
            got += len;
        }
        if (got != size) {
            throw new ProtocolException("peer sent " + got + " bytes of data, announced " + size);
        }
    }

    public byte[] receiveData(long size, long maxSize) throws IOException, ProtocolException {
        if (size < 0 || size > maxSize) {
            throw new ProtocolException("announced data size " + size + " exceeds the limit of " + maxSize + " bytes");
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream((int) Math.min(size, CHUNK));
        receiveData(size, out);
        return out.toByteArray();
    }

    /** How long one read may wait for the peer before the connection is given up (an idle or stalled peer). */
    public void setReadTimeout(Duration timeout) throws IOException {
        readTimeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        socket.setSoTimeout(readTimeoutMillis);
    }

    /**
     * How long one write may wait for the peer to take its bytes (at most a frame's header and {@link #CHUNK} bytes)
     * before the connection is closed and the send fails with {@link SendTimeoutPassed}.
     */
    public void setSendTimeout(Duration timeout) {
        sendTimeoutMillis = Math.max(1, timeout.toMillis());
    }

    /**
     * Ends this side's reading: a read blocked in another thread returns at once (end of stream), while sending still
     * works, so a failure can still be told to the peer.
     */
    public void shutdownInput() {
        try {
            socket.shutdownInput();
        } catch (IOException ignored) {
            // already closed: nothing is being read
        }
    }

    /** Best effort: tell the peer why we stop. */
    public void fail(Messages.Failure failure) {
        try {
            send(failure);
        } catch (IOException ignored) {
            // the peer is gone; nothing more to tell it
        }
    }

    private int readType() throws IOException {
        int t = in.read();
        if (t < 0) {
            throw new EOFException("peer closed the connection");
        }
        return t;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** The socket's output, each write bounded by the send timeout, if one is set. */
    private final class DeadlineOutput extends OutputStream {
        private final OutputStream raw;

        DeadlineOutput(OutputStream raw) {
            this.raw = raw;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            long millis = sendTimeoutMillis;
            if (millis == 0) {
                raw.write(b, off, len);
                return;
            }
            if (sendStalled) {
                throw new SendTimeoutPassed(millis);
            }
            ScheduledFuture<?> stall = SendDeadlines.TIMER.schedule(this::closeStalled, millis, TimeUnit.MILLISECONDS);
            try {
                raw.write(b, off, len);
            } catch (IOException e) {
                if (sendStalled) {
                    throw new SendTimeoutPassed(millis);
                }
                throw e;
            } finally {
                stall.cancel(false);
            }
        }

        private void closeStalled() {
            sendStalled = true;
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a socket that is already gone
            }
        }

        @Override
        public void flush() throws IOException {
            raw.flush();
        }
    }

    /**
     * The socket's input, each read bounded by the message deadline while one is set: the read waits no longer than the
     * deadline leaves (or the read timeout, if that is shorter), and none starts once the deadline has passed.
     */
    private final class DeadlineInput extends InputStream {
        private final InputStream raw;

        DeadlineInput(InputStream raw) {
            this.raw = raw;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (!deadlineSet) {
                return raw.read(b, off, len);
            }
            long leftNanos = deadlineNanos - System.nanoTime();
            if (leftNanos <= 0) {
                throw new MessageDeadlinePassed(deadlineAllowed);
            }
            long leftMillis = (leftNanos + 999_999) / 1_000_000;   // rounded up: a timeout of this length ends past the deadline
            boolean deadlineBinds = readTimeoutMillis == 0 || leftMillis < readTimeoutMillis;
            socket.setSoTimeout(deadlineBinds ? (int) Math.min(Integer.MAX_VALUE, leftMillis) : readTimeoutMillis);
            try {
                return raw.read(b, off, len);
            } catch (SocketTimeoutException e) {
                if (deadlineBinds) {
                    throw new MessageDeadlinePassed(deadlineAllowed);
                }
                throw e;
            }
        }

        @Override
        public int available() throws IOException {
            return raw.available();
        }
    }
}
