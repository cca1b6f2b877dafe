package dev.veil.cli.demo;

import dev.veil.protocol.json.Json;
import dev.veil.protocol.wire.Messages;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A hostile host between the providers and the enclave: forwards everything, but where the enclave sends the data
 * provider its result, it sends a failure of its own making instead (a code in the clear and a detail sealed to the data
 * provider's public key, which anyone can do), then closes.
 */
final class ForgingRelay implements AutoCloseable {
    private static final int MESSAGE = 1;
    private final ServerSocket server;
    private final int enclavePort;
    private final Messages.Failure forged;

    ForgingRelay(int enclavePort, Messages.Failure forged) throws IOException {
        this.enclavePort = enclavePort;
        this.forged = forged;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "forging-relay");
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
                raw(provider, enclave);
                framesFromEnclave(enclave, provider);
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

    /** The enclave sends only message frames to a provider until the result; the result is replaced. */
    private void framesFromEnclave(Socket enclave, Socket provider) {
        daemon(() -> {
            try (DataInputStream in = new DataInputStream(enclave.getInputStream());
                 DataOutputStream out = new DataOutputStream(provider.getOutputStream())) {
                while (true) {
                    int type = in.readUnsignedByte();
                    int len = in.readInt();
                    byte[] body = in.readNBytes(len);
                    if (type == MESSAGE && new String(body, StandardCharsets.UTF_8).contains("\"sealed_size\"")) {
                        byte[] json = Json.canonical(forged);
                        out.writeByte(MESSAGE);
                        out.writeInt(json.length);
                        out.write(json);
                        out.flush();
                        provider.close();
                        enclave.close();
                        return;
                    }
                    out.writeByte(type);
                    out.writeInt(len);
                    out.write(body);
                    out.flush();
                }
            } catch (IOException ignored) {
                // one side closed
            }
        });
    }

    private static void daemon(Runnable r) {
        Thread t = new Thread(r, "forging-relay-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
