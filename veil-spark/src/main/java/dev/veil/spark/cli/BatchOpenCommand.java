package dev.veil.spark.cli;

import dev.veil.protocol.batch.BatchCommitments;
import dev.veil.protocol.batch.BatchReceiptFile;
import dev.veil.protocol.batch.BatchReceiptVerifier;
import dev.veil.protocol.batch.DatasetManifest;
import dev.veil.protocol.batch.PartitionReceipt;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.provider.broker.OwnerDataKeys;
import dev.veil.seal.io.AtomicOutput;
import dev.veil.spark.job.BatchJob;
import dev.veil.spark.parquet.DataKeyServices;
import dev.veil.spark.parquet.DatasetFiles;
import dev.veil.spark.parquet.EncryptedRows;
import dev.veil.spark.parquet.ParquetCrypto;
import dev.veil.spark.parquet.ResultKeys;
import dev.veil.spark.parquet.RowCells;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.npz.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "open", mixinStandardHelpOptions = true,
        description = {"Open a batch's results as the data provider: rows in input order, as .npz or .csv.",
                "The results' keys are unwrapped by the data provider's own broker (--broker, where its master keys stay),",
                "for --identity alone.",
                "Checks the batch receipt in --in first (every instance attested for the contract, the Merkle root over",
                "the partitions), that the batch ran over the dataset you sealed (--data: its manifest's id, files and every",
                "row), then that each partition's rows are the ones its receipt commits to."})
final class BatchOpenCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Option(names = "--in", required = true, description = "the results directory 'veil batch' wrote")
    Path in;
    @Option(names = "--contract", required = true, description = "the signed contract the batch ran under")
    Path contract;
    @Option(names = "--broker", required = true, description = "the data provider's broker URL (it holds the results' master key)")
    String broker;
    @Option(names = "--identity", required = true, description = "the data provider's secret identity file (.key)")
    Path identity;
    @Option(names = "--data", required = true, description = {"your copy of the dataset you sealed ('veil seal --format parquet'",
            "--out): its manifest _veil-dataset.json says which dataset and how many rows the results must cover"})
    Path data;
    @Option(names = "--out", required = true, description = "results.npz or results.csv to create")
    Path out;

    /** One opened result row: its input row, its cell, its partition and that partition's commitment salt. */
    private record Opened(long index, byte[] cell, int partition, byte[] salt) {
    }

    @Override
    public Integer call() throws Exception {
        UserFiles.directory("--in", in);
        UserFiles.file("--contract", contract);
        UserFiles.file("--identity", identity);
        UserFiles.directory("--data", data);
        UserFiles.fresh("--out", out);
        String name = out.getFileName().toString();
        if (!name.endsWith(".npz") && !name.endsWith(".csv")) {
            throw new UsageError("--out " + out + " must end in .npz or .csv");
        }
        ContractVerifier.Verified verified = ContractVerifier.verify(SignedContract.read(contract), Instant.now());
        java.net.URI brokerUrl = UserFiles.url("--broker", broker);
        BrokerPreflight.forOwner("--broker", brokerUrl, verified.hashHex());
        BatchReceiptVerifier.Verified receipt = BatchReceiptVerifier.verify(Json.parse(
                Files.readAllBytes(UserFiles.file("--in", in.resolve(BatchCommand.BATCH_RECEIPT))), BatchReceiptFile.class,
                "batch receipt"), verified, Instant.now());
        DatasetManifest sealed = DatasetFiles.manifest(data);
        BatchReceiptVerifier.requireDataset(receipt, sealed);
        try (Identity dp = IdentityFiles.readSecret(identity)) {
            if (!dp.publicIdentity().sameKeysAs(verified.contract().party(Role.DATA_PROVIDER))) {
                throw new UsageError("--identity is not the contract's data provider: only its identity opens the results");
            }
            String kms = ResultKeys.kmsUrl(verified.hashHex());
            ResultKeys opener = ResultKeys.opener(new OwnerDataKeys(brokerUrl, dp, verified.hashHex()));
            DataKeyServices.register(kms, opener);
            Configuration conf = new Configuration();
            ParquetCrypto.reading(kms).forEach(conf::set);
            List<Opened> rows;
            try {
                rows = EncryptedRows.readAll(in, conf, g -> new Opened(g.getLong(EncryptedRows.ROW, 0),
                        g.getBinary(EncryptedRows.TENSORS, 0).getBytes(), g.getInteger(BatchJob.PARTITION, 0),
                        g.getBinary(BatchJob.SALT, 0).getBytes()));
            } catch (EncryptedRows.NotEncrypted e) {
                throw new ProtocolException("--in: " + e.getMessage() + ": the results were altered; nothing was opened");
            } catch (Exception e) {
                throw KeyServiceErrors.explained("--broker", brokerUrl.toString(), e);
            } finally {
                DataKeyServices.unregister(kms, opener);
            }
            checkCommitments(rows, receipt.partitions());
            rows.sort(Comparator.comparingLong(Opened::index));
            if (rows.size() != sealed.totalRows()) {
                throw new ProtocolException("the results hold " + rows.size() + " rows; you sealed " + sealed.totalRows());
            }
            for (int i = 0; i < rows.size(); i++) {
                if (rows.get(i).index() != i) {
                    throw new ProtocolException("the results lack input row " + i + " or hold it twice");
                }
            }
            NamedTensors all = RowCells.join(rows.stream().map(Opened::cell).toList());
            byte[] bytes = name.endsWith(".npz") ? Npz.write(all) : ResultCsv.write(all);
            try {
                // not over a file made at --out while the results were opened (the check above came minutes before)
                AtomicOutput.write(out, bytes, true, false);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                throw new UsageError("--out " + out + " appeared while the results were opened: nothing was written; give a new path");
            }
            spec.commandLine().getOut().println(Json.pretty(java.util.Map.of("rows", rows.size(), "partitions", receipt.partitions().size(),
                    "out", out.toString(), "receipt_verified", true)));
        }
        return 0;
    }

    /** Each partition's opened rows, in the order they were written, against the output commitment its receipt signs. */
    private static void checkCommitments(List<Opened> rows, List<PartitionReceipt> partitions) throws ProtocolException {
        TreeMap<Integer, List<Opened>> byPartition = new TreeMap<>();
        for (Opened r : rows) {
            byPartition.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(r);
        }
        if (byPartition.size() != partitions.size()) {
            throw new ProtocolException("the results hold rows of " + byPartition.size() + " partitions, the receipt covers "
                    + partitions.size() + ": the results were altered or mixed with another run's");
        }
        for (PartitionReceipt p : partitions) {
            List<Opened> part = byPartition.get(p.partition());
            if (part == null) {
                throw new ProtocolException("the results hold no rows of partition " + p.partition());
            }
            BatchCommitments c = BatchCommitments.output(part.get(0).salt());
            for (Opened r : part) {
                c.add(r.index(), r.cell());
            }
            if (!BatchCommitments.matches(c.hex(), p.outputCommitment())) {
                throw new ProtocolException("partition " + p.partition() + "'s rows are not the ones its receipt commits to: the"
                        + " results were altered or mixed with another run's");
            }
        }
    }
}
