package dev.veil.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.veil.cli.demo.DigitsDemo;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.SessionLimits;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.NumericCsv;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review 17b. 'veil batch' asks --mp-broker, the model provider's broker (the other party's server, or whatever answers
 * at that address), before Spark ({@link BrokerPreflight}), and prints its refusal's {@code error} and {@code message}
 * in the user's failure line. The launcher's {@code oneLine} blanks only ASCII controls ({@code \p{Cntrl}}): the C1
 * control CSI (U+009B, an escape sequence's start for terminals that take C1), the line separator U+2028 and the
 * right-to-left override U+202E pass to the terminal, so the other party's text can forge a second line ("veil: batch
 * done") or reorder what the user reads. veil-cli's TerminalText escapes all of these for every failure line.
 * Fix: print failure lines through the same escaping as veil-cli's TerminalText (controls of every kind, FORMAT,
 * LINE_SEPARATOR, PARAGRAPH_SEPARATOR as \\u escapes), or refuse a broker's refusal text that holds any of them.
 */
class BrokerRefusalTextAttackTest {
    @TempDir
    Path dir;

    @Test
    void modelProvidersBrokerCannotWriteControlOrFormatCharactersIntoTheUsersFailureLine() throws Exception {
        byte[] model = DigitsDemo.trainModel(5, 1);
        FloatTensor rows = NumericCsv.read(DigitsDemo.evaluationCsv(1));
        String input = OnnxSignatureReader.read(model).inputs().get(0).name();
        Files.write(dir.resolve("rows.npz"), Npz.write(NamedTensors.of(Tensor.ofFloats(input, rows.shape(), rows.values()))));
        String forged = "{\"error\":\"unknown_contract\",\"message\":\"x\\u009b2J\\u2028veil: batch done, 1 rows\\u202e\"}";
        HttpServer impostor = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        impostor.createContext("/", exchange -> {
            byte[] body = forged.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(404, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        impostor.start();
        try (ContractParties p = new ContractParties(dir, model, OutputPolicy.npz(), SessionLimits.defaults())) {
            assertThat(p.seal("rows.npz", "data").exit()).isZero();
            String mp = "http://127.0.0.1:" + impostor.getAddress().getPort() + "/";
            Parties.Run run = Parties.launcher("batch", "--contract", p.path("contract.json"), "--model", p.path("model.veil"),
                    "--data", p.path("data"), "--mp-broker", mp, "--dp-broker", p.dpUrl, "--master-key", "dataset",
                    "--out", p.path("out"), "--master", "local[1]", "--rows-per-run", "1");
            assertThat(run.exit()).as(run.err()).isEqualTo(2);
            assertThat(run.err()).as("the broker's text reached the user's failure line").contains("veil: batch done");
            assertThat(run.err().codePoints().filter(cp -> cp != '\n' && (Character.isISOControl(cp)
                    || Character.getType(cp) == Character.FORMAT || Character.getType(cp) == Character.LINE_SEPARATOR)).toArray())
                    .as("control, format or line-separator characters from --mp-broker's refusal in: %s", run.err()).isEmpty();
        } finally {
            impostor.stop(0);
        }
    }
}
