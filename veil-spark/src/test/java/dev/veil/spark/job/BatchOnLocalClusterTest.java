package dev.veil.spark.job;

import dev.veil.spark.TestModelTerms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.Platform;
import dev.veil.enclave.inference.ModelRunner;
import dev.veil.protocol.batch.BatchCommitments;
import dev.veil.protocol.batch.BatchReceiptVerifier;
import dev.veil.protocol.batch.PartitionReceipt;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.receipt.DiscardReceipt;
import dev.veil.protocol.receipt.ReceiptVerifier;
import dev.veil.protocol.receipt.SignedReceipt;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.Sealer;
import dev.veil.provider.broker.BrokerMetrics;
import dev.veil.provider.broker.BrokerServer;
import dev.veil.provider.broker.BrokerState;
import dev.veil.provider.broker.BrokeredContract;
import dev.veil.provider.broker.KeyBroker;
import dev.veil.provider.broker.OwnerDataKeys;
import dev.veil.provider.broker.ProviderDataKeys;
import dev.veil.provider.broker.ReleaseAudit;
import dev.veil.spark.broker.DatasetDataKeys;
import dev.veil.spark.parquet.ResultKeys;
import java.net.URI;
import java.time.Clock;
import dev.veil.spark.parquet.DataKeyServices;
import dev.veil.spark.parquet.EncryptedRows;
import dev.veil.spark.parquet.ParquetCrypto;
import dev.veil.spark.parquet.RowCells;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The confidential batch on a Spark local-cluster, run once for the class: two executors, separate JVMs, each an
 * enclave instance attested to both brokers in the job's attestation stage; the OCR model over 37 rows in files of 10,
 * with speculation on. One executor is killed (SIGKILL) in the middle of its first inference task: after its instance
 * received both providers' keys, once the task started (Spark's writer opens its output file as the task starts),
 * before the task committed. With veil batch's own Spark settings ({@link BatchJob#SPARK_SETTINGS}) Spark retries the
 * task elsewhere (the killed executor's worker starts a new executor, which holds no instance and attests to no broker:
 * a task given to it fails with instance_not_attested, and it is given no other task of the stage).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchOnLocalClusterTest {
    private static final int ROWS = 37;
    private Path tmp;
    private byte[] model;
    private NamedTensors rows;
    private ContractVerifier.Verified contract;
    private BatchJob.Outcome outcome;
    private Path out;
    private SparkCluster.Dirs dirs;
    private Identity dp;
    private String dpUrl;
    private final List<AutoCloseable> brokers = new ArrayList<>();
    private final List<KeyBroker> keyBrokers = new ArrayList<>();
    /** The data provider's results key service the last test opened with, or null. */
    private ResultKeys opener;

    @BeforeAll
    void runTheJobOnce() throws Exception {
        tmp = Files.createDirectories(Path.of("target", "batch-test-" + System.nanoTime()).toAbsolutePath());
        model = Files.readAllBytes(Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx"));
        Identity mp = Identity.generate("mp", KeyWrapSuite.MLKEM768_X25519);
        dp = Identity.generate("dp", KeyWrapSuite.MLKEM768_X25519);
        AssetKey modelKey = AssetKey.generate();
        SessionContract c = SessionContract.draft(TestModelTerms.of(model, "ocr"), mp.publicIdentity(),
                dp.publicIdentity(), new EnclavePolicy(Platform.SIM, List.of(Digests.hex(ExecutorInstance.measurement())), false, true),
                KeyWrapSuite.MLKEM768_X25519, OutputPolicy.npz(), Instant.now().plus(Duration.ofHours(1))).withMaxInstances(4);
        SignedContract signed = SignedContract.unsigned(c).signedBy(Role.MODEL_PROVIDER, mp).signedBy(Role.DATA_PROVIDER, dp);
        contract = ContractVerifier.verify(signed, Instant.now());
        rows = rows(model);
        String mpUrl = broker(mp, modelKey, "mp");
        BrokerState dpState = BrokerState.open(tmp.resolve("dp-broker"));
        ReleaseAudit.createMasterKey(dpState, "dataset");
        dpUrl = broker(dp, null, "dp-broker");
        Path data = Files.createDirectories(tmp.resolve("data"));
        DatasetDataKeys sealing = new DatasetDataKeys(new ProviderDataKeys(URI.create(dpUrl), dp));
        DataKeyServices.register(dpUrl, sealing);
        EncryptedRows.writeDataset(data, RowCells.split(rows), 10, ParquetCrypto.apply(new Configuration(), dpUrl, "dataset"));
        DataKeyServices.unregister(dpUrl, sealing);

        out = tmp.resolve("out");
        dirs = new SparkCluster.Dirs(tmp.resolve("events"), tmp.resolve("local"), tmp.resolve("executor-tmp"));
        BatchTerms terms = new BatchTerms("job-" + System.nanoTime(), Json.canonical(signed),
                new Sealer().sealBytes(model, modelKey, ContentType.MODEL), mpUrl, dpUrl, "dataset", 4);
        AtomicBoolean killed = new AtomicBoolean();
        Thread killer = new Thread(() -> killTheFirstExecutorHoldingKeys(killed), "executor killer");
        killer.setDaemon(true);
        Thread watcher = new Thread(this::recordInferenceWorkersCommandLines, "inference worker watcher");
        watcher.setDaemon(true);
        // veil batch's own settings (the killed executor's successor holds no instance of the job and fails the first
        // task it is given, instance_not_attested, then is given no other task of the stage; all executors share one
        // host here), with speculation turned on to see that the commit protocol settles attempts
        Map<String, String> settings = new java.util.HashMap<>(BatchJob.SPARK_SETTINGS);
        settings.put("spark.speculation", "true");
        try (DriverInstance driver = new DriverInstance(signed);
             SparkSession spark = SparkCluster.start("ocr", dirs, settings, driver)) {
            spark.sparkContext().addSparkListener(failedTasks);
            spark.sparkContext().addSparkListener(inferenceTasks);
            killer.start();
            watcher.start();
            outcome = BatchJob.run(spark, driver, terms, data.toUri().toString(), out.toUri().toString());
        } finally {
            killer.interrupt();
            killer.join();
            watcher.interrupt();
            watcher.join();
        }
        assertThat(killed).as("an executor was killed mid-task").isTrue();
    }

    /** A provider's real broker (veil broker's code) on loopback, serving this contract. */
    private String broker(Identity id, AssetKey key, String name) throws Exception {
        KeyBroker b = KeyBroker.open(id, key, List.of(BrokeredContract.batch(contract, id.publicIdentity())),
                BrokerState.open(tmp.resolve(name)), KeyBroker.Settings.defaults(), Clock.systemUTC(), new BrokerMetrics());
        BrokerServer server = BrokerServer.start(b, "127.0.0.1", 0, 4);
        brokers.add(server);
        brokers.add(b);
        keyBrokers.add(b);
        return "http://127.0.0.1:" + server.port() + "/";
    }

    /** Counts the tasks that ended other than in success (the killed executor's). */
    private static final class FailedTasks extends SparkListener {
        final AtomicInteger count = new AtomicInteger();

        @Override
        public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
            if (!(taskEnd.reason() instanceof org.apache.spark.Success$)) {
                count.incrementAndGet();
            }
        }
    }

    private final FailedTasks failedTasks = new FailedTasks();

    /** The executors, by id, that started a task of the inference job (not of the attestation stage before it). */
    private static final class InferenceTasks extends SparkListener {
        private final Set<Integer> inferenceStages = ConcurrentHashMap.newKeySet();
        final Set<String> executors = ConcurrentHashMap.newKeySet();

        @Override
        public void onJobStart(SparkListenerJobStart jobStart) {
            if (BatchJob.INFERENCE_STAGE.equals(jobStart.properties().getProperty("spark.job.description"))) {
                for (Object stage : scala.jdk.javaapi.CollectionConverters.asJava(jobStart.stageIds())) {
                    inferenceStages.add((Integer) stage);
                }
            }
        }

        @Override
        public void onTaskStart(SparkListenerTaskStart taskStart) {
            if (inferenceStages.contains(taskStart.stageId())) {
                executors.add(taskStart.taskInfo().executorId());
            }
        }
    }

    private final InferenceTasks inferenceTasks = new InferenceTasks();

    /**
     * Kills (SIGKILL) an executor JVM (a child of this JVM: the workers run here) during its first inference task: its
     * instance attested in the job's attestation stage, before the task started. Spark's listener bus tells the task's
     * start a little after the executor was sent it.
     */
    private void killTheFirstExecutorHoldingKeys(AtomicBoolean killed) {
        while (!Thread.currentThread().isInterrupted()) {
            Optional<ProcessHandle> executor = ProcessHandle.current().children()
                    .filter(h -> {
                        String id = executorId(h);
                        return id != null && inferenceTasks.executors.contains(id);
                    }).findFirst();
            if (executor.isPresent()) {
                executor.get().descendants().forEach(ProcessHandle::destroyForcibly);
                executor.get().destroyForcibly();
                killed.set(true);
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** An executor JVM's id, from its command line ({@code --executor-id N}); null for another process. */
    private static String executorId(ProcessHandle h) {
        try {
            List<String> args = List.of(Files.readString(Path.of("/proc", Long.toString(h.pid()), "cmdline")).split("\0"));
            int i = args.indexOf("--executor-id");
            return i < 0 || i + 1 >= args.size() ? null : args.get(i + 1);
        } catch (java.io.IOException gone) {
            return null;
        }
    }

    /** The command line of every inference worker (an executor's java child) seen while the job ran. */
    private final Set<List<String>> workerArguments = ConcurrentHashMap.newKeySet();

    private void recordInferenceWorkersCommandLines() {
        while (!Thread.currentThread().isInterrupted()) {
            ProcessHandle.current().children().flatMap(ProcessHandle::children)
                    .filter(c -> c.info().command().map(x -> x.endsWith("java")).orElse(false))
                    .forEach(c -> {
                        // from /proc: ProcessHandle.Info gives no arguments for a command line as long as a worker's
                        try {
                            String cmdline = Files.readString(Path.of("/proc", Long.toString(c.pid()), "cmdline"));
                            workerArguments.add(List.of(cmdline.split("\0")));
                        } catch (java.io.IOException gone) {
                            // exited meanwhile
                        }
                    });
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @AfterAll
    void stopBrokers() throws Exception {
        for (AutoCloseable b : brokers) {
            b.close();
        }
    }

    private Configuration opener() {
        // each test opens with a fresh opener: a name holds one service (DataKeyServices.register refuses another)
        if (opener != null) {
            DataKeyServices.unregister(ResultKeys.kmsUrl(contract.hashHex()), opener);
        }
        opener = ResultKeys.opener(new OwnerDataKeys(URI.create(dpUrl), dp, contract.hashHex()));
        DataKeyServices.register(ResultKeys.kmsUrl(contract.hashHex()), opener);
        return new Configuration();
    }

    private List<EncryptedRows.Row> openResults() throws Exception {
        Configuration conf = opener();
        ParquetCrypto.reading(ResultKeys.kmsUrl(contract.hashHex())).forEach(conf::set);
        return EncryptedRows.readAll(out, conf);
    }

    @Test
    void theKilledTaskWasRetriedAndLeftOneCommittedOutputPerPartition() throws Exception {
        assertThat(failedTasks.count.get()).as("tasks that failed with the killed executor").isPositive();
        BatchReceiptVerifier.Verified v = BatchReceiptVerifier.verify(outcome.batchReceipt(), contract, Instant.now());
        assertThat(EncryptedRows.parquetFiles(out)).hasSize(v.partitions().size());
        try (Stream<Path> s = Files.walk(out)) {
            assertThat(s.map(f -> out.relativize(f).toString())).noneMatch(f -> f.contains("_temporary") || f.contains("attempt"));
        }
    }

    @Test
    void eachExecutorJvmAttestedOnceToEachBroker() throws Exception {
        long mp = keyBrokers.get(0).releaseCount(contract.hashHex());
        long dp = keyBrokers.get(1).releaseCount(contract.hashHex());
        // the two executors of the attestation stage; the killed one's successor never attests, whatever it was given
        assertThat(mp).isEqualTo(2L);
        assertThat(dp).isEqualTo(2L);
    }

    @Test
    void outputEqualsPlainOnnxRuntimeInInputOrder() throws Exception {
        List<EncryptedRows.Row> results = openResults();
        assertThat(results).extracting(EncryptedRows.Row::index).containsExactlyElementsOf(LongStream.range(0, ROWS).boxed().toList());
        NamedTensors got = RowCells.join(results.stream().map(EncryptedRows.Row::cell).toList());
        try (ModelRunner plain = new ModelRunner(model, TestModelTerms.of(model).signature(), 1, tmp)) {
            NamedTensors want = plain.run(rows);
            assertThat(got.names()).isEqualTo(want.names());
            for (String name : want.names()) {
                assertThat(got.get(name).data()).as(name).isEqualTo(want.get(name).data());
            }
        }
    }

    @Test
    void batchReceiptVerifiesAndCommitsToTheOutputsTheDataProviderOpens() throws Exception {
        BatchReceiptVerifier.Verified v = BatchReceiptVerifier.verify(outcome.batchReceipt(), contract, Instant.now());
        // regroup the opened results by partition, with that partition's salt, and recompute the output commitments
        Configuration conf = opener();
        ParquetCrypto.reading(ResultKeys.kmsUrl(contract.hashHex())).forEach(conf::set);
        Map<Integer, List<Object[]>> byPartition = new HashMap<>();
        for (Path f : EncryptedRows.parquetFiles(out)) {
            org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(f.toUri());
            try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(), file).withConf(conf)
                    .withDecryption(new org.apache.parquet.crypto.keytools.PropertiesDrivenCryptoFactory().getFileDecryptionProperties(conf, file))
                    .build()) {
                for (Group g = r.read(); g != null; g = r.read()) {
                    byPartition.computeIfAbsent(g.getInteger(BatchJob.PARTITION, 0), k -> new ArrayList<>()).add(new Object[] {
                            g.getLong(EncryptedRows.ROW, 0), g.getBinary(EncryptedRows.TENSORS, 0).getBytes(),
                            g.getBinary(BatchJob.SALT, 0).getBytes()});
                }
            }
        }
        assertThat(v.partitions()).hasSize(byPartition.size()).hasSizeGreaterThan(1);
        for (PartitionReceipt p : v.partitions()) {
            List<Object[]> partRows = byPartition.get(p.partition());
            BatchCommitments c = BatchCommitments.output((byte[]) partRows.get(0)[2]);
            for (Object[] row : partRows) {
                c.add((long) row[0], (byte[]) row[1]);
            }
            assertThat(c.hex()).as("partition " + p.partition()).isEqualTo(p.outputCommitment());
        }
    }

    @Test
    void everyInstanceThatReceivedKeysGaveADiscardReceiptOrIsReportedLost() throws Exception {
        long released = keyBrokers.get(0).head(contract.hashHex()).head().treeSize();
        assertThat(outcome.unclosedInstances()).isEqualTo(1);   // the killed executor's
        assertThat(outcome.discardReceipts()).hasSize((int) released - 1);
        for (SignedReceipt r : outcome.discardReceipts()) {
            assertThat(ReceiptVerifier.verifyDiscard(r, contract).outcome()).isEqualTo(DiscardReceipt.DISCARDED);
        }
    }

    /**
     * Each executor JVM prepares ONNX Runtime's native libraries once, in their verified, content-addressed directory, and
     * its inference workers load them from there: no worker unpacks its own unverified copy into the executor's
     * temporary directory (as ONNX Runtime does when {@code onnxruntime.native.path} is not set).
     */
    @Test
    void executorsInferenceWorkersLoadTheVerifiedNativeLibrariesNotACopyUnpackedInTmp() throws Exception {
        List<List<String>> workers = workerArguments.stream()
                .filter(a -> a.contains("dev.veil.enclave.inference.InferenceWorkerMain")).toList();
        assertThat(workers).as("inference workers seen in the executors").isNotEmpty();
        for (List<String> args : workers) {
            String dir = args.stream().filter(a -> a.startsWith("-Donnxruntime.native.path=")).findFirst()
                    .map(a -> a.substring("-Donnxruntime.native.path=".length())).orElse(null);
            assertThat(dir).as("a worker's onnxruntime.native.path: " + args).isNotNull();
            assertThat(Path.of(dir).resolve("libonnxruntime.so")).isRegularFile();
            assertThat(Path.of(dir).startsWith(dirs.executorTmp())).as(dir).isFalse();
        }
        // ONNX Runtime still makes its empty onnxruntime-java* folder in each worker's temporary directory (a killed
        // worker leaves it behind), but no library is unpacked into it
        try (Stream<Path> s = Files.walk(dirs.executorTmp())) {
            assertThat(s.map(f -> f.getFileName().toString())).noneMatch(f -> f.startsWith("libonnxruntime"));
        }
    }

    @Test
    void noPlaintextInWorkDirsLocalDirsEventLogsOrOutput() throws Exception {
        List<byte[]> secrets = new ArrayList<>();
        Tensor input = rows.tensors().get(0);
        long rowBytes = input.data().length / ROWS;
        for (int r = 0; r < ROWS; r++) {
            secrets.add(Arrays.copyOfRange(input.data(), (int) (r * rowBytes), (int) (r * rowBytes + 16)));
        }
        for (EncryptedRows.Row r : openResults()) {
            for (Tensor t : RowCells.read(r.cell()).tensors()) {
                secrets.add(t.data());
            }
            secrets.add(r.cell());
        }
        secrets.add((input.name() + ".npy").getBytes(java.nio.charset.StandardCharsets.US_ASCII)); // a plaintext cell's entry name
        List<Path> searched = new ArrayList<>();
        for (Path root : List.of(Path.of(System.getenv("SPARK_HOME"), "work"), dirs.local(), dirs.eventLogs(), dirs.executorTmp(), out)) {
            try (Stream<Path> s = Files.walk(root)) {
                s.filter(Files::isRegularFile).forEach(searched::add);
            }
        }
        assertThat(searched).anyMatch(p -> p.toString().contains("events"))
                .anyMatch(p -> p.getFileName().toString().equals("stderr"))
                .anyMatch(p -> p.getFileName().toString().endsWith(".parquet"));
        for (Path f : searched) {
            byte[] bytes = Files.readAllBytes(f);   // no worker unpacks ONNX Runtime's libraries here, to vanish as it exits
            for (byte[] secret : secrets) {
                assertThat(indexOf(bytes, secret)).as("plaintext in " + f).isEqualTo(-1);
            }
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static NamedTensors rows(byte[] model) throws Exception {
        var input = OnnxSignatureReader.read(model).inputs().get(0);
        long[] shape = input.shape().stream().mapToLong(d -> d instanceof dev.veil.protocol.contract.Dim.Fixed f ? f.size() : ROWS).toArray();
        shape[0] = ROWS;
        float[] v = new float[Math.toIntExact(Tensor.elementCount(shape))];
        Random r = new Random(7);
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextFloat();
        }
        return NamedTensors.of(Tensor.ofFloats(input.name(), shape, v));
    }
}
