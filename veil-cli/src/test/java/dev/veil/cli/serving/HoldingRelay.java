package dev.veil.cli.serving;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.concurrent.CountDownLatch;

/**
 * A TCP relay in front of one replica, so a test can be sure a request is in flight there when the replica dies: once
 * {@link #hold()} is called, what the replica sends back is dropped (the client keeps waiting); when the replica's side
 * of a connection closes or resets, the relay resets the client's side (RST), as the kernel does for a killed
 * process. Connections made after the replica died are reset at once.
 */
final class HoldingRelay implements AutoCloseable {
    private final ServerSocket server;
    private final int upstreamPort;
    private volatile boolean holding;
    private final CountDownLatch held = new CountDownLatch(1);

    HoldingRelay(URI upstream) throws IOException {
        this.upstreamPort = upstream.getPort();
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread accept = new Thread(this::acceptLoop, "relay-accept");
        accept.setDaemon(true);
        accept.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/");
    }

    /** From now on, answers are dropped. */
    void hold() {
        holding = true;
    }

    /** Waits until an answer was dropped: a request is then in flight at the replica. */
    void awaitHeld() throws InterruptedException {
        held.await();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            Socket upstream = new Socket();
            try {
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort));
            } catch (IOException e) {
                reset(client);
                continue;
            }
            pump("relay-up", () -> copy(client.getInputStream(), upstream.getOutputStream(), false), upstream);
            pump("relay-down", () -> copy(upstream.getInputStream(), client.getOutputStream(), true), client);
        }
    }

    private interface Copy {
        void run() throws IOException;
    }

    /** Runs {@code copy}; when it ends, however, resets {@code then}. */
    private static void pump(String name, Copy copy, Socket then) {
        Thread t = new Thread(() -> {
            try {
                copy.run();
            } catch (IOException e) {
                // the other side went away: reset this one below
            } finally {
                reset(then);
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    private void copy(InputStream in, OutputStream out, boolean answers) throws IOException {
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = in.read(buf)) >= 0; ) {
            if (answers && holding) {
                held.countDown();
                continue;
            }
            out.write(buf, 0, n);
            out.flush();
        }
    }

    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0);
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
