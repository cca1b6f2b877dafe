package dev.veil.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Idle HTTP/1.1 keep-alive connections to a server: each is opened, asks {@code GET /healthz} once and reads the whole
 * answer, then sends nothing while held. {@link #stillServed()} asks each once more on the same socket: a connection
 * the server dropped while it was held does not answer.
 */
final class ServeIdleConnections implements AutoCloseable {
    private static final byte[] HEALTH = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private final List<Socket> sockets = new ArrayList<>();

    /** Opens up to {@code count} connections to 127.0.0.1:{@code port}; {@link #opened()} says how many answered. */
    static ServeIdleConnections open(int port, int count) {
        ServeIdleConnections c = new ServeIdleConnections();
        for (int i = 0; i < count; i++) {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                s.setSoTimeout(10_000);
                if (answers(s)) {
                    c.sockets.add(s);
                    continue;
                }
            } catch (IOException e) {
                // counted as not opened below
            }
            closeQuietly(s);
        }
        return c;
    }

    int opened() {
        return sockets.size();
    }

    /** How many of the held connections answer another request on the same socket. */
    int stillServed() {
        int n = 0;
        for (Socket s : sockets) {
            try {
                if (answers(s)) {
                    n++;
                }
            } catch (IOException e) {
                // dropped while held
            }
        }
        return n;
    }

    /** Sends the health request and reads one whole 200 answer (headers, then Content-Length bytes). */
    private static boolean answers(Socket s) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(HEALTH);
        out.flush();
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return false;
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String headers = head.toString(StandardCharsets.US_ASCII);
        int length = 0;
        for (String line : headers.split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return in.readNBytes(length).length == length && headers.startsWith("HTTP/1.1 200");
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing a socket that failed to open
        }
    }

    @Override
    public void close() {
        sockets.forEach(ServeIdleConnections::closeQuietly);
        sockets.clear();
    }
}
