package dev.veil.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.cli.demo.DigitsDemo;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.SessionLimits;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
import dev.veil.protocol.json.Digests;
import dev.veil.provider.broker.BrokerState;
import dev.veil.provider.broker.ReleaseAudit;
import dev.veil.spark.job.ExecutorInstance;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.NumericCsv;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a new user following docs/SCALE-OUT.md gets wrong, told in one line before any work (exit 2, no --out left):
 * a broker address without a scheme or not a broker's, a broker that is not running or does not serve the contract,
 * a --data that is not there, an unknown master key. Each test but the last stops before Spark starts; the last runs
 * one Spark job, since only an executor's release can meet the broker's refusal.
 */
class BatchPreflightTest {
    @TempDir
    Path dir;
    private byte[] model;

    @BeforeEach
    void rows() throws Exception {
        model = DigitsDemo.trainModel(5, 1);
        FloatTensor rows = NumericCsv.read(DigitsDemo.evaluationCsv(1));
        String input = OnnxSignatureReader.read(model).inputs().get(0).name();
        Files.write(dir.resolve("rows.npz"), Npz.write(NamedTensors.of(Tensor.ofFloats(input, rows.shape(), rows.values()))));
    }

    private ContractParties parties() throws Exception {
        return new ContractParties(dir, model, OutputPolicy.npz(), SessionLimits.defaults());
    }

    private static Parties.Run batch(ContractParties p, String data, String mpBroker, String dpBroker) {
        return Parties.launcher("batch", "--contract", p.path("contract.json"), "--model", p.path("model.veil"), "--data", data,
                "--mp-broker", mpBroker, "--dp-broker", dpBroker, "--master-key", "dataset", "--out", p.path("out"),
                "--master", "local[1]", "--rows-per-run", "1");
    }

    /** A loopback port nothing listens on. */
    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void assertOneLine(Parties.Run run, String... says) {
        assertThat(run.exit()).as(run.err()).isEqualTo(2);
        assertThat(run.err().strip().lines()).as(run.err()).hasSize(1);
        assertThat(run.err()).contains(says).doesNotContain("internal error").doesNotContain("\tat ");
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void brokerThatIsNotRunningIsNamedBeforeSparkStarts() throws Exception {
        try (ContractParties p = parties()) {
            assertThat(p.seal("rows.npz", "data").exit()).isZero();
            int port = closedPort();
            assertOneLine(batch(p, p.path("data"), "http://127.0.0.1:" + port + "/", p.dpUrl),
                    "--mp-broker http://127.0.0.1:" + port + "/", "no broker answers there", "veil broker");
        }
    }

    @Test
    void brokerAddressWithoutSchemeIsHttpAsVeilServeReadsIt() throws Exception {
        try (ContractParties p = parties()) {
            assertThat(p.seal("rows.npz", "data").exit()).isZero();
            int port = closedPort();
            // read as http://127.0.0.1:port/, so it gets as far as asking there (nothing listens)
            assertOneLine(batch(p, p.path("data"), "127.0.0.1:" + port, p.dpUrl),
                    "--mp-broker http://127.0.0.1:" + port + "/", "no broker answers there");
            for (String bad : new String[] {"ftp://127.0.0.1:1/", "http://127.0.0.1/", "http://127.0.0.1:8701/v1/", "nohost"}) {
                assertOneLine(batch(p, p.path("data"), bad, p.dpUrl), "--mp-broker '" + bad + "' is not the address of 'veil broker'",
                        "http://host:port");
            }
        }
    }

    @Test
    void swappedBrokersAreToldBeforeSparkStarts() throws Exception {
        try (ContractParties p = parties()) {
            assertThat(p.seal("rows.npz", "data").exit()).isZero();
            assertOneLine(batch(p, p.path("data"), p.dpUrl, p.mpUrl), "--dp-broker " + p.mpUrl, "not_in_scope", "swapped");
        }
    }

    @Test
    void missingOrEmptyDataDirectoryIsToldBeforeSparkStarts() throws Exception {
        try (ContractParties p = parties()) {
            assertOneLine(batch(p, p.path("nosuch"), p.mpUrl, p.dpUrl), "--data " + p.path("nosuch") + " is not a directory",
                    "veil seal --format parquet");
            Files.createDirectory(dir.resolve("empty"));
            assertOneLine(batch(p, p.path("empty"), p.mpUrl, p.dpUrl), "holds no Parquet files");
            assertOneLine(batch(p, dir.resolve("nosuch").toUri().toString(), p.mpUrl, p.dpUrl), "is not a directory");
        }
    }

    @Test
    void openingWithAWrongBrokerIsOneLine() throws Exception {
        try (ContractParties p = parties()) {
            Files.createDirectory(dir.resolve("results"));
            int port = closedPort();
            List<String[]> cases = new ArrayList<>();
            cases.add(new String[] {"http://127.0.0.1:" + port + "/", "no broker answers there"});
            cases.add(new String[] {p.mpUrl, "not_in_scope"});   // a broker, but not the one holding the data provider's keys
            for (String[] c : cases) {
                Parties.Run open = Parties.launcher("batch", "open", "--in", p.path("results"), "--contract", p.path("contract.json"),
                        "--broker", c[0], "--identity", p.path("dp.key"), "--data", p.path("results"), "--out", p.path("results.npz"));
                assertOneLine(open, "--broker " + c[0], c[1]);
                assertThat(dir.resolve("results.npz")).doesNotExist();
            }
        }
    }

    @Test
    void sealingWithAWrongBrokerOrAnUnknownMasterKeyIsOneLine() throws Exception {
        try (ContractParties p = parties()) {
            int port = closedPort();
            Parties.Run unreachable = Parties.launcher("seal", "--format", "parquet", "--in", p.path("rows.npz"), "--out", p.path("out"),
                    "--broker", "http://127.0.0.1:" + port + "/", "--identity", p.path("dp.key"), "--master-key", "dataset");
            assertOneLine(unreachable, "--broker http://127.0.0.1:" + port + "/", "no broker answers there");
            Parties.Run unknownKey = Parties.launcher("seal", "--format", "parquet", "--in", p.path("rows.npz"), "--out", p.path("out"),
                    "--broker", p.dpUrl, "--identity", p.path("dp.key"), "--master-key", "nosuchkey");
            assertOneLine(unknownKey, "unknown_master_key", "'nosuchkey'", "veil broker master-key");
            assertThat(dir).isDirectoryNotContaining("glob:**.partial");
        }
    }

    @Test
    void measurePrintsJsonAsEnclaveMeasureDoes() throws Exception {
        Parties.Run measure = Parties.launcher("batch", "measure");
        assertThat(measure.exit()).isZero();
        var json = dev.veil.protocol.json.Json.mapper().readTree(measure.out());
        assertThat(json.path("platform").asText()).isEqualTo("sim");
        assertThat(json.path("measurement").asText()).isEqualTo(Digests.hex(ExecutorInstance.measurement()));
        assertThat(measure.out().strip().lines()).hasSize(1);
    }

    /**
     * A broker that refuses the executors' instance (here the model provider revoked every release; a used-up
     * max_instances takes the same way) is named by its reason, which is the broker's fixed id and no data: before, the
     * user read only "contract_refused" and an empty --out stayed behind.
     */
    @Test
    void brokersRefusalOfTheInstanceReachesTheUserByItsReason() throws Exception {
        try (ContractParties p = parties()) {
            assertThat(p.seal("rows.npz", "data").exit()).isZero();
            ReleaseAudit.revoke(BrokerState.open(dir.resolve("mp-state")), null, null, java.time.Clock.systemUTC());
            Parties.Run run = p.batch("data", "out");
            assertThat(run.exit()).as(run.err()).isEqualTo(2);
            assertThat(run.err()).contains("refused the executors' instance (revoked)").doesNotContain("\tat ");
            assertThat(dir.resolve("out")).as("a failed run with no discard receipt leaves no --out").doesNotExist();
        }
    }
}
