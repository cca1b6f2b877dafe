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
 * A hostile host between the providers and the enclave: forwards every frame, except that it holds back part of the
 * data provider's dataset upload until {@link #release()}: either its end frame (all its data frames are forwarded:
 * the host knows exactly how far the upload has got, and watches what the model provider receives meanwhile), or
 * everything after the first bytes of its first data frame (an upload stalled right after the sealed header).
 */
final class WithholdingRelay implements AutoCloseable {
    private static final int MESSAGE = 1;
    private static final int DATA = 2;
    private static final int DATA_END = 3;
    private final ServerSocket server;
    private final int enclavePort;
    private final List<Socket> sockets = new ArrayList<>();
    private final CountDownLatch holding = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    /** How many bytes of the dataset's first data frame go through before the stall; -1: hold back the end frame only. */
    private final int forwardBeforeStall;

    private WithholdingRelay(int enclavePort, int forwardBeforeStall) throws IOException {
        this.enclavePort = enclavePort;
        this.forwardBeforeStall = forwardBeforeStall;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "withholding-relay");
        t.setDaemon(true);
        t.start();
    }

    /** Holds back the dataset upload's end frame. */
    static WithholdingRelay holdingDatasetEnd(int enclavePort) throws IOException {
        return new WithholdingRelay(enclavePort, -1);
    }

    /** Forwards {@code bytes} of the dataset upload's first data frame, then nothing more until released. */
    static WithholdingRelay stallingDatasetAfter(int enclavePort, int bytes) throws IOException {
        return new WithholdingRelay(enclavePort, bytes);
    }

    int port() {
        return server.getLocalPort();
    }

    /** Counted down once the relay holds back the rest of the dataset upload. */
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
                    if (type == DATA_END && datasetUpload && forwardBeforeStall < 0) {
                        holding.countDown();
                        released.await();
                    }
                    out.writeByte(type);
                    out.writeInt(len);
                    if (type == DATA && datasetUpload && forwardBeforeStall >= 0 && holding.getCount() > 0) {
                        out.write(body, 0, Math.min(len, forwardBeforeStall));
                        out.flush();
                        holding.countDown();
                        released.await();
                        out.write(body, Math.min(len, forwardBeforeStall), len - Math.min(len, forwardBeforeStall));
                    } else {
                        out.write(body);
                    }
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
