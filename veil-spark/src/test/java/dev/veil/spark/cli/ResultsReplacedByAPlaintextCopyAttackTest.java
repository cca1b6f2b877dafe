package dev.veil.spark.cli;

import static dev.veil.spark.cli.Parties.launcher;
import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.cli.demo.DigitsDemo;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.provider.broker.OwnerDataKeys;
import dev.veil.spark.job.BatchJob;
import dev.veil.spark.parquet.DataKeyServices;
import dev.veil.spark.parquet.EncryptedRows;
import dev.veil.spark.parquet.ParquetCrypto;
import dev.veil.spark.parquet.ResultKeys;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whoever writes the results directory replaces the job's encrypted files with a plaintext Parquet file of rows that
 * match the partition receipts' commitments. Such a file needs no key, so read as Parquet's properties-driven
 * decryption allows, it would be opened without the data provider's broker ever being asked: a compromised instance's
 * rows would be opened after the data provider revoked it (the broker's revocation refuses only the instance's results
 * key). Here the copy is of the job's own rows, which a compromised instance could have chosen and committed to alike.
 */
class ResultsReplacedByAPlaintextCopyAttackTest {
    private static final MessageType RESULTS = MessageTypeParser.parseMessageType("message spark_schema { required int64 "
            + EncryptedRows.ROW + "; required binary " + EncryptedRows.TENSORS + "; required int32 " + BatchJob.PARTITION
            + "; required binary " + BatchJob.SALT + "; }");

    @TempDir
    Path dir;

    private record Result(long row, byte[] cell, int partition, byte[] salt) {
    }

    @Test
    void aPlaintextCopyOfTheResultsIsNotOpened() throws Exception {
        byte[] model = DigitsDemo.trainModel(5, 1);
        Files.write(dir.resolve("rows.csv"), DigitsDemo.evaluationCsv(1));
        try (Parties p = new Parties(dir, model)) {
            Parties.Run batch = p.sealAndRunBatch("rows.csv", "200", "local[2]", "64");
            assertThat(batch.exit()).as(batch.err()).isZero();

            List<Result> rows = openedWithTheBroker(p);
            for (Path f : EncryptedRows.parquetFiles(dir.resolve("out"))) {
                Files.delete(f);
            }
            writePlaintext(dir.resolve("out").resolve("part-00000-copy.parquet"), rows);

            Parties.Run opened = launcher("batch", "open", "--in", p.path("out"), "--contract", p.path("contract.json"), "--broker",
                    p.dpUrl, "--identity", p.path("dp.key"), "--data", p.path("data"), "--out", p.path("results.csv"));
            assertThat(opened.exit()).as(opened.out() + opened.err()).isEqualTo(2);
            assertThat(opened.err().lines().toList()).singleElement().satisfies(line -> assertThat(line)
                    .startsWith("veil: --in: ").contains("part-00000-copy.parquet is not an encrypted Parquet file"));
            assertThat(dir.resolve("results.csv")).doesNotExist();
        }
    }

    /** The job's result rows, decrypted as 'veil batch open' decrypts them: the data provider's broker unwraps the keys. */
    private List<Result> openedWithTheBroker(Parties p) throws Exception {
        ContractVerifier.Verified contract = ContractVerifier.verify(SignedContract.read(dir.resolve("contract.json")), Instant.now());
        String kms = ResultKeys.kmsUrl(contract.hashHex());
        try (Identity dp = IdentityFiles.readSecret(dir.resolve("dp.key"))) {
            ResultKeys opener = ResultKeys.opener(new OwnerDataKeys(URI.create(p.dpUrl), dp, contract.hashHex()));
            DataKeyServices.register(kms, opener);
            try {
                Configuration conf = new Configuration();
                ParquetCrypto.reading(kms).forEach(conf::set);
                return EncryptedRows.readAll(dir.resolve("out"), conf, g -> new Result(g.getLong(EncryptedRows.ROW, 0),
                        g.getBinary(EncryptedRows.TENSORS, 0).getBytes(), g.getInteger(BatchJob.PARTITION, 0),
                        g.getBinary(BatchJob.SALT, 0).getBytes()));
            } finally {
                DataKeyServices.unregister(kms, opener);
            }
        }
    }

    /** The rows in the order they were read (each partition's in its own order), unencrypted. */
    private static void writePlaintext(Path file, List<Result> rows) throws Exception {
        Configuration conf = new Configuration();
        SimpleGroupFactory groups = new SimpleGroupFactory(RESULTS);
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(
                new org.apache.hadoop.fs.Path(file.toUri()), conf)).withConf(conf).withType(RESULTS).build()) {
            for (Result r : rows) {
                w.write(groups.newGroup().append(EncryptedRows.ROW, r.row()).append(EncryptedRows.TENSORS, Binary.fromConstantByteArray(r.cell()))
                        .append(BatchJob.PARTITION, r.partition()).append(BatchJob.SALT, Binary.fromConstantByteArray(r.salt())));
            }
        }
    }
}
