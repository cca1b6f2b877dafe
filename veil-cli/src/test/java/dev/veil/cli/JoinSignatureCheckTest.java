package dev.veil.cli;

import static dev.veil.cli.CliTest.veil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data provider's `veil join` checks its dataset against the model signature in the contract before it connects:
 * data that does not fit is one line and exit 2, and the enclave address never sees a connection, so no key can
 * have been released. A listening socket stands in for the enclave; a connection made before the check would wait in
 * its backlog.
 */
class JoinSignatureCheckTest {
    @TempDir
    static Path dir;
    static JoinFixture f;

    @BeforeAll
    static void providers() throws Exception {
        f = JoinFixture.create(dir);
    }

    private static String[] withSealed(String[] args, Path sealed, Path key) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--sealed")) {
                args[i + 1] = sealed.toString();
            } else if (args[i].equals("--key")) {
                args[i + 1] = key.toString();
            }
        }
        return args;
    }

    private static void refusedBeforeConnecting(Path plaintext, String expected) throws Exception {
        String name = plaintext.getFileName().toString();
        Path sealed = dir.resolve(name + ".veil");
        Path key = dir.resolve(name + ".key");
        CliTest.Result seal = veil("seal", "--in", plaintext.toString(), "--out", sealed.toString(), "--key-out", key.toString(),
                "--type", "dataset");
        assertThat(seal.code()).as(seal.err()).isZero();
        try (ServerSocket enclave = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            Path out = dir.resolve(name + ".out");
            CliTest.Result r = veil(withSealed(f.dataProvider("127.0.0.1:" + enclave.getLocalPort(), out), sealed, key));
            assertThat(r.code()).as(r.err()).isEqualTo(2);
            assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
            assertThat(r.err()).contains(expected).contains("nothing was released");
            assertThat(out).doesNotExist();
            enclave.setSoTimeout(500);
            assertThatThrownBy(enclave::accept).as("the data provider connected to the enclave")
                    .isInstanceOf(SocketTimeoutException.class);
        }
    }

    @Test
    void csvRowsOfTheWrongShapeAreRefusedBeforeTheKeyCanMove() throws Exception {
        refusedBeforeConnecting(Files.writeString(dir.resolve("rows.csv"), "a,b,c\n0.1,0.2,0.3\n0.4,0.5,0.6\n"),
                "your dataset's rows have shape [3] but the contract's model input 'x' float32 "
                        + "[p2o.DynamicDimension.0, 3, p2o.DynamicDimension.1, p2o.DynamicDimension.2] takes rows of shape "
                        + "[3, p2o.DynamicDimension.1, p2o.DynamicDimension.2]");
    }

    @Test
    void npyImagesWithTheWrongChannelCountAreRefusedBeforeTheKeyCanMove() throws Exception {
        Path images = Files.write(dir.resolve("gray.npy"), dev.veil.tensor.Npy.writeFloat32(
                new dev.veil.tensor.FloatTensor(new long[] {2, 1, 48, 192}, new float[2 * 48 * 192])));
        refusedBeforeConnecting(images, "your dataset's rows have shape [1, 48, 192]");
    }
}
