package dev.veil.spark.cli;

import dev.veil.protocol.batch.BatchReceiptFile;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.receipt.SignedReceipt;
import dev.veil.protocol.text.TerminalText;
import dev.veil.seal.io.AtomicOutput;
import dev.veil.spark.job.BatchJob;
import dev.veil.spark.job.BatchTerms;
import dev.veil.spark.job.DriverInstance;
import dev.veil.spark.job.ExecutorInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "batch", mixinStandardHelpOptions = true, subcommands = {BatchOpenCommand.class, BatchMeasureCommand.class, BatchPinsCommand.class, BatchExecutorCommand.class},
        description = {"Run a contract's model over a data provider's encrypted Parquet on Apache Spark.",
                "Every executor is an enclave instance: it attests to both providers' brokers once (no key is used until",
                "both released), runs the model in the inference worker over its partitions, and writes results only the",
                "data provider can open ('veil batch open'). The batch receipt (for the data provider) and one discard",
                "receipt per instance (for the model provider) are written into --out as _veil-*.json. When a partition",
                "fails, the command prints its failure code only (the detail may quote the data provider's values), writes",
                "the discard receipts and no results, and exits 1 (2 when a provider's broker refused the executors' instance,",
                "by its reason, e.g. instance_limit). The dataset is refused before any key moves (exit 2) when a",
                "file its manifest names is missing or a stray one is there, when the contract pins limits.dataset_sha256 and",
                "its manifest is another, or when it has more rows than limits.max_rows; each executor stops at max_rows rows",
                "(limit_exceeded), and a batch whose partitions ran more in all, or not the dataset's every row, gets no receipt."})
final class BatchCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;
    /** The data provider's receipt, beside the results; Spark's readers skip names starting with '_'. */
    static final String BATCH_RECEIPT = "_veil-batch-receipt.json";

    /**
     * The job's Spark session: {@link BatchJob#SPARK_SETTINGS} and the driver's RPC identity ({@code driverSettings},
     * DriverInstance.sparkSettings) over the JVM's {@code spark.*} system properties, which {@link #call} checked ship no
     * code to the executors ({@link CodeShippingSettings}).
     */
    static SparkSession.Builder session(String appName, String master, Map<String, String> driverSettings) {
        SparkSession.Builder builder = SparkSession.builder().appName(appName).master(master).config("spark.ui.enabled", "false");
        driverSettings.forEach(builder::config);
        BatchJob.SPARK_SETTINGS.forEach((key, value) -> {
            String asked = System.getProperty(key);
            if (asked != null && !asked.strip().equalsIgnoreCase(value)) {
                // said back, not silently dropped: an operator who set it learns that veil batch does not take it
                System.err.println("veil batch: " + key + "=" + TerminalText.escape(asked) + " is not taken: a batch runs with "
                        + key + "=" + value + ", so that the instances the model provider sees cannot depend on the data");
            }
            builder.config(key, value);
        });
        if (master.startsWith("local")) {
            builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1");
        }
        return builder;
    }

    @Option(names = "--contract", description = "the signed contract (both providers; required)")
    Path contract;
    @Option(names = "--model", description = "the sealed model (model.veil)")
    Path model;
    @Option(names = "--data", description = "the data provider's encrypted Parquet directory ('veil seal --format parquet')")
    String data;
    @Option(names = "--mp-broker", description = "the model provider's broker URL")
    String mpBroker;
    @Option(names = "--dp-broker", description = "the data provider's broker URL")
    String dpBroker;
    @Option(names = "--master-key", description = {"the data provider's master key (its id in the data provider's broker) the",
            "results are written under; it must serve this contract"})
    String masterKey;
    @Option(names = "--out", description = "the results directory to create")
    Path out;
    @Option(names = "--master", defaultValue = "local[*]", description = "Spark master (default ${DEFAULT-VALUE}: embedded, this JVM)")
    String master;
    @Option(names = "--rows-per-run", defaultValue = "64", description = {"rows per model run (default ${DEFAULT-VALUE}); runs never span",
            "partitions, so give 1 for a model whose rows influence each other (batch-wide quantization)"})
    int rowsPerRun;

    @Override
    public Integer call() throws Exception {
        // required here, not by picocli: a parent's required options would be demanded of 'veil batch open' too
        Object[][] required = {{"--contract", contract}, {"--model", model}, {"--data", data}, {"--mp-broker", mpBroker},
                {"--dp-broker", dpBroker}, {"--master-key", masterKey}, {"--out", out}};
        for (Object[] r : required) {
            if (r[1] == null) {
                throw new UsageError("missing " + r[0] + " (see 'veil batch --help')");
            }
        }
        // before anything is read or any broker asked: the JVM's Spark settings must ship no code to the executors
        CodeShippingSettings.refuse(System.getProperties());
        UserFiles.file("--contract", contract);
        UserFiles.file("--model", model);
        UserFiles.fresh("--out", out);
        mpBroker = BrokerAddress.parse("--mp-broker", mpBroker).toString();
        dpBroker = BrokerAddress.parse("--dp-broker", dpBroker).toString();
        DatasetPreflight.check("--data", data);
        if (!masterKey.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new UsageError("--master-key must be a master key's id as 'veil broker master-key --id' named it");
        }
        if (rowsPerRun < 1) {
            throw new UsageError("--rows-per-run must be 1 or more");
        }
        byte[] contractBytes = Files.readAllBytes(contract);
        SignedContract signedContract = Json.parse(contractBytes, SignedContract.class, "contract " + contract.getFileName());
        ContractVerifier.Verified verified = ContractVerifier.verify(signedContract, Instant.now());
        BrokerPreflight.forBatch("--mp-broker", java.net.URI.create(mpBroker), "--dp-broker", java.net.URI.create(dpBroker),
                verified.hashHex());
        BatchTerms terms = new BatchTerms(UUID.randomUUID().toString(), contractBytes, Files.readAllBytes(model), mpBroker, dpBroker,
                masterKey, rowsPerRun);
        BatchJob.Outcome outcome;
        try (DriverInstance driver = new DriverInstance(signedContract);
             SparkSession spark = session("veil batch " + verified.hashHex().substring(0, 12), master, driver.sparkSettings()).getOrCreate()) {
            outcome = BatchJob.run(spark, driver, terms, data, out.toAbsolutePath().toUri().toString());
        } catch (Exception e) {
            FailedBatch.removeOutput(out);
            throw e;
        }
        // the model provider's discard receipts, whatever the outcome (an aborted job may have left no --out)
        Files.createDirectories(out);
        int i = 0;
        for (SignedReceipt d : outcome.discardReceipts()) {
            AtomicOutput.write(out.resolve("_veil-discard-receipt-" + i++ + ".json"),
                    Json.pretty(d).getBytes(java.nio.charset.StandardCharsets.UTF_8), false);
        }
        if (outcome.totalsRefused()) {
            // counts only, no data: the partitions' rows are in their receipts, which the host sees sizes of anyway
            spec.commandLine().getErr().println("veil: the batch was refused after its partitions ran: " + outcome.failure().id()
                    + (outcome.failure() == dev.veil.protocol.receipt.FailureCode.LIMIT_EXCEEDED
                    ? " (they ran more rows in all than the contract's limits.max_rows)"
                    : " (they did not run the dataset's every row once: files were skipped or read twice)")
                    + "; no batch receipt was signed and the results were removed; " + outcome.discardReceipts().size()
                    + " discard receipt(s) for the model provider are in " + out);
            return 1;
        }
        if (outcome.failure() != null) {
            return FailedBatch.report(spec.commandLine().getErr(), outcome, out);
        }
        BatchReceiptFile receipt = outcome.batchReceipt();
        AtomicOutput.write(out.resolve(BATCH_RECEIPT), Json.pretty(receipt).getBytes(java.nio.charset.StandardCharsets.UTF_8), false);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("out", out.toString());
        summary.put("contract_hash", verified.hashHex());
        dev.veil.protocol.batch.BatchReceipt signed = Json.parse(receipt.batch().payload(), dev.veil.protocol.batch.BatchReceipt.class,
                "batch receipt");
        summary.put("dataset_id", signed.datasetId());
        summary.put("rows", signed.rows());
        summary.put("partitions", receipt.partitions().size());
        summary.put("merkle_root", signed.merkleRoot());
        summary.put("discard_receipts", outcome.discardReceipts().size());
        summary.put("instances_not_closed", outcome.unclosedInstances());
        spec.commandLine().getOut().println(Json.pretty(summary));
        if (outcome.unclosedInstances() > 0) {
            spec.commandLine().getErr().println("veil: WARNING: " + outcome.unclosedInstances() + " instance(s) gave no discard receipt (their executors"
                    + " were lost or not reached); they end with their executor JVMs");
        }
        spec.commandLine().getErr().println("veil: WARNING: executors used the INSECURE simulated TEE (measurement "
                + Digests.hex(ExecutorInstance.measurement()) + ")");
        return 0;
    }
}
