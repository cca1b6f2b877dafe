package dev.veil.cli.demo;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A hostile host between the providers and the enclave: forwards every frame, except that it holds back the end frame
 * of the data provider's dataset upload (all its data frames are forwarded) until {@link #release()}. While it holds
 * it, the host knows exactly how far the upload has got, and watches what the model provider receives meanwhile.
 */
final class WithholdingRelay implements AutoCloseable {
    private static final int MESSAGE = 1;
    private static final int DATA_END = 3;
    private final ServerSocket server;
    private final int enclavePort;
    private final List<Socket> sockets = new ArrayList<>();
    private final CountDownLatch holding = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    WithholdingRelay(int enclavePort) throws IOException {
        this.enclavePort = enclavePort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "withholding-relay");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Counted down once every data frame of the dataset is forwarded and its end frame is held back. */
    CountDownLatch holding() {
        return holding;
    }

    void release() {
        released.countDown();
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
                framed(provider, enclave);
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
                    out.flush();
                }
            } catch (IOException ignored) {
                // one side closed
            }
        });
    }

    private void framed(Socket provider, Socket enclave) {
        daemon(() -> {
            try {
                DataInputStream in = new DataInputStream(provider.getInputStream());
                DataOutputStream out = new DataOutputStream(enclave.getOutputStream());
                boolean datasetUpload = false;
                while (true) {
                    int type = in.readUnsignedByte();
                    int len = in.readInt();
                    byte[] body = in.readNBytes(len);
                    if (type == MESSAGE) {
                        String json = new String(body, StandardCharsets.UTF_8);
                        datasetUpload = json.contains("asset_upload") && json.contains("\"dataset\"");
                    }
                    if (type == DATA_END && datasetUpload) {
                        holding.countDown();
                        released.await();
                    }
                    out.writeByte(type);
                    out.writeInt(len);
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
        Thread t = new Thread(r, "withholding-relay-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        released.countDown();
        server.close();
        synchronized (sockets) {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
