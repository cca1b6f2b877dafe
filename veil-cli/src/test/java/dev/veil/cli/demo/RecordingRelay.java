package dev.veil.cli.demo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The host's view of the wire: a relay between the providers and the enclave that forwards every connection and keeps
 * a copy of every byte in both directions, as a curious host would.
 */
final class RecordingRelay implements AutoCloseable {
    private final ServerSocket server;
    private final int enclavePort;
    private final ByteArrayOutputStream seen = new ByteArrayOutputStream();

    RecordingRelay(int enclavePort) throws IOException {
        this.enclavePort = enclavePort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "recording-relay");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    synchronized byte[] seen() {
        return seen.toByteArray();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket provider = server.accept();
                Socket enclave = new Socket(InetAddress.getLoopbackAddress(), enclavePort);
                pump(provider, enclave);
                pump(enclave, provider);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[1 << 16];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (this) {
                        seen.write(buf, 0, n);
                    }
                    out.write(buf, 0, n);
                }
            } catch (IOException ignored) {
                // one side closed: the other pump ends too
            } finally {
                try {
                    to.shutdownOutput();
                } catch (IOException ignored) {
                    // already closed
                }
            }
        }, "recording-relay-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
