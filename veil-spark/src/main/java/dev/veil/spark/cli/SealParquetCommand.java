package dev.veil.spark.cli;

import dev.veil.protocol.batch.DatasetManifest;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.Dim;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.contract.ValueSignature;
import dev.veil.protocol.contract.ValueType;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.provider.broker.ProviderDataKeys;
import dev.veil.spark.broker.DatasetDataKeys;
import dev.veil.spark.parquet.DataKeyService;
import dev.veil.spark.parquet.DataKeyServices;
import dev.veil.spark.parquet.EncryptedRows;
import dev.veil.spark.parquet.ParquetCrypto;
import dev.veil.spark.parquet.RowCells;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.NumericCsv;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "seal", mixinStandardHelpOptions = true,
        description = {"Write a dataset as Parquet with Parquet Modular Encryption (--format parquet), for 'veil batch'.",
                "AES-GCM footer and columns; the data keys are wrapped by your broker under --master-key, which never",
                "leaves it, and only enclave instances it appraised get them unwrapped. Rows of a CSV feed the contract's",
                "model's one float32 input; an .npz gives one array per input name, all with the same first dimension.",
                "Every file is bound to the dataset (a new random id), its place in it and the dataset's files and rows, which",
                "the manifest _veil-dataset.json beside them lists; the printed dataset_sha256 (the manifest's SHA-256) is what",
                "a contract's limits.dataset_sha256 pins. Keep your copy of the manifest: 'veil batch open --data' checks the",
                "results against it."})
final class SealParquetCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Option(names = "--format", required = true, description = "parquet (the sealed-file format is the veil CLI's own 'seal')")
    String format;
    @Option(names = "--in", required = true, description = "rows.csv or tensors.npz")
    Path in;
    @Option(names = "--out", required = true, description = "the Parquet directory to create")
    Path out;
    @Option(names = "--broker", required = true, description = "your broker's URL (its data-key service)")
    String broker;
    @Option(names = "--identity", required = true, description = "your secret identity file (.key), the broker's identity")
    Path identity;
    @Option(names = "--master-key", required = true, description = "the master key's id in your broker ('veil broker master-key')")
    String masterKey;
    @Option(names = "--contract", description = "the signed contract: names the model input a CSV's rows feed (required for CSV)")
    Path contract;
    @Option(names = "--rows-per-file", defaultValue = "10000", description = "rows per Parquet file (default ${DEFAULT-VALUE}); files are read in parallel")
    int rowsPerFile;

    @Override
    public Integer call() throws Exception {
        if (!"parquet".equals(format)) {
            throw new UsageError("--format '" + format + "': this launcher writes parquet; the veil CLI's 'seal' writes sealed files");
        }
        UserFiles.file("--in", in);
        UserFiles.file("--identity", identity);
        UserFiles.fresh("--out", out);
        URI brokerUrl = UserFiles.url("--broker", broker);
        if (rowsPerFile < 1) {
            throw new UsageError("--rows-per-file must be 1 or more");
        }
        NamedTensors rows = read();
        List<byte[]> cells;
        try {
            cells = RowCells.split(rows);
        } catch (IllegalArgumentException e) {
            throw new UsageError(in + ": " + e.getMessage());
        }
        DatasetManifest dataset;
        Path partial = out.toAbsolutePath().resolveSibling("." + out.getFileName() + "." + UUID.randomUUID() + ".partial");
        try (Identity dp = IdentityFiles.readSecret(identity)) {
            Files.createDirectory(partial);
            BrokerPreflight.forWrapping("--broker", brokerUrl);
            DataKeyService keys = new DatasetDataKeys(new ProviderDataKeys(brokerUrl, dp));
            DataKeyServices.register(broker, keys);
            try {
                dataset = EncryptedRows.writeDataset(partial, cells, rowsPerFile, ParquetCrypto.apply(new Configuration(), broker, masterKey));
            } catch (Exception e) {
                throw KeyServiceErrors.explained("--broker", brokerUrl.toString(), e);
            } finally {
                DataKeyServices.unregister(broker, keys);
            }
            Files.move(partial, out, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            deleteTree(partial);
        }
        java.util.Map<String, Object> summary = new java.util.LinkedHashMap<>();
        summary.put("out", out.toString());
        summary.put("rows", dataset.totalRows());
        summary.put("files", dataset.files());
        summary.put("master_key", masterKey);
        summary.put("dataset_id", dataset.datasetId());
        summary.put("dataset_sha256", dataset.sha256Hex());
        spec.commandLine().getOut().println(dev.veil.protocol.json.Json.pretty(summary));
        return 0;
    }

    private NamedTensors read() throws Exception {
        byte[] bytes = Files.readAllBytes(in);
        if (in.getFileName().toString().endsWith(".npz")) {
            return Npz.read(bytes, 64L << 30);
        }
        if (!in.getFileName().toString().endsWith(".csv")) {
            throw new UsageError("--in " + in + " must be a .csv or an .npz");
        }
        if (contract == null) {
            throw new UsageError("a CSV's rows need --contract: it names the model input they feed");
        }
        List<ValueSignature> inputs = ContractVerifier.verify(SignedContract.read(UserFiles.file("--contract", contract)), Instant.now())
                .contract().model().signature().inputs();
        if (inputs.size() != 1 || inputs.get(0).type() != ValueType.FLOAT32) {
            throw new UsageError("the contract's model does not take one float32 input; give an .npz with one array per input");
        }
        FloatTensor t = NumericCsv.read(bytes);
        long[] shape = rowShape(inputs.get(0), t);
        return NamedTensors.of(Tensor.ofFloats(inputs.get(0).name(), shape, t.values()));
    }

    /** The CSV's rows shaped as the input's rows: its fixed dimensions, when they hold exactly a CSV row's numbers. */
    private static long[] rowShape(ValueSignature input, FloatTensor t) throws UsageError {
        List<Dim> dims = input.shape() == null ? List.of() : input.shape();
        if (dims.size() <= 2) {
            return new long[] {t.rows(), t.rowSize()};
        }
        long[] shape = new long[dims.size()];
        shape[0] = t.rows();
        long product = 1;
        for (int i = 1; i < dims.size(); i++) {
            if (!(dims.get(i) instanceof Dim.Fixed f)) {
                throw new UsageError("input '" + input.name() + "' has a free dimension after the first: give an .npz");
            }
            shape[i] = f.size();
            product *= f.size();
        }
        if (product != t.rowSize()) {
            throw new UsageError("a CSV row has " + t.rowSize() + " numbers; input '" + input.name() + "' takes " + product + " a row");
        }
        return shape;
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
