package dev.veil.cli.demo;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A hostile host between the providers and the enclave: forwards everything, but slows a provider's upload down after
 * the first half of its first data frame to one byte every half second, keeping both connections open (an
 * authenticated upload trickled by the host, each read well within the enclave's idle timeout).
 */
final class StallingRelay implements AutoCloseable {
    private static final int DATA = 2;
    private final ServerSocket server;
    private final int enclavePort;
    private final List<Socket> sockets = new ArrayList<>();

    StallingRelay(int enclavePort) throws IOException {
        this.enclavePort = enclavePort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "stalling-relay");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket provider = server.accept();
                Socket enclave = new Socket(InetAddress.getLoopbackAddress(), enclavePort);
                synchronized (sockets) {
                    sockets.add(provider);
                    sockets.add(enclave);
                }
                raw(enclave, provider);
                stallingUpload(provider, enclave);
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void raw(Socket from, Socket to) {
        daemon(() -> {
            byte[] buf = new byte[1 << 16];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                }
            } catch (IOException ignored) {
                // one side closed
            }
        });
    }

    private static void stallingUpload(Socket provider, Socket enclave) {
        daemon(() -> {
            try {
                DataInputStream in = new DataInputStream(provider.getInputStream());
                DataOutputStream out = new DataOutputStream(enclave.getOutputStream());
                while (true) {
                    int type = in.readUnsignedByte();
                    int len = in.readInt();
                    byte[] body = in.readNBytes(len);
                    out.writeByte(type);
                    out.writeInt(len);
                    if (type == DATA) {
                        out.write(body, 0, len / 2);
                        out.flush();
                        for (int i = len / 2; i < len; i++) {
                            Thread.sleep(500);
                            out.write(body[i]);
                            out.flush();
                        }
                        return;
                    }
                    out.write(body);
                    out.flush();
                }
            } catch (IOException ignored) {
                // one side closed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private static void daemon(Runnable r) {
        Thread t = new Thread(r, "stalling-relay-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
        synchronized (sockets) {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
