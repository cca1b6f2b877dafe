package dev.veil.spark.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.crypto.keytools.KeyToolkit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack: a task's decryption was held to its instance's key service by the KMS instance URL alone (the name
 * {@link BoundDatasetDecryption} checks against the task's binding), but Parquet keeps its KMS clients by access token
 * and KMS instance id, and the key-encryption keys it unwrapped by access token, all three from the driver's read
 * options. Job B's driver names B's service as the URL, so the check passes, and job A's as the instance id and access
 * token, handing job B's instance job A's files: they decrypt with the keys Parquet cached for job A's reads (and job A's
 * client), although job B's broker refuses job B every one of them. The same through Parquet's own factory, which checks
 * nothing: a read there under job B's token and id with job A's URL left a client of job A's service cached as job B's,
 * and job B's reads then unwrapped through it. Now the read must name one service thrice, through {@link VeilKmsClient},
 * Parquet is handed exactly that, and the client is made under no other names.
 */
class TaskReadingUnderItsOwnNameWithAnotherJobsAccessTokenAttackTest {
    @TempDir
    Path tmp;

    /** Job A's and job B's key services in this process: B's broker refuses B every key of A's. */
    private final String jobA = "http://127.0.0.1:1/dp#veil-job:a-" + UUID.randomUUID();
    private final String jobB = "http://127.0.0.1:1/dp#veil-job:b-" + UUID.randomUUID();
    private final LocalMasterKeys jobAsService = new LocalMasterKeys();
    private final RefusedByTheBroker jobBsService = new RefusedByTheBroker();

    @BeforeEach
    void registerBothJobsServices() {
        DataKeyServices.register(jobA, jobAsService);
        DataKeyServices.register(jobB, jobBsService);
    }

    @AfterEach
    void withdrawThem() {
        DataKeyServices.unregister(jobB, jobBsService);
        DataKeyServices.unregister(jobA, jobAsService);
    }

    @Test
    void aReadNamingItsOwnServiceAsTheUrlAndAnothersAsTheTokenDecryptsNothing() throws Exception {
        Path dataA = datasetOf(jobA);
        assertThat(EncryptedRows.readDataset(dataA, conf(ParquetCrypto.reading(jobA))))
                .as("job A's own read, which leaves its keys in Parquet's caches").hasSize(4);
        assertThatThrownBy(() -> EncryptedRows.readDataset(dataA, conf(BoundDatasetDecryption.reading(jobB))))
                .as("job B reading job A's files under its own name: its broker refuses").hasStackTraceContaining("not_in_scope");

        Map<String, String> tokenOfA = BoundDatasetDecryption.reading(jobB);
        tokenOfA.put(KeyToolkit.KMS_INSTANCE_ID_PROPERTY_NAME, jobA);
        tokenOfA.put(KeyToolkit.KEY_ACCESS_TOKEN_PROPERTY_NAME, jobA);
        assertThatThrownBy(() -> EncryptedRows.readDataset(dataA, conf(tokenOfA)))
                .as("job B's name as the URL, job A's as the instance id and access token")
                .hasStackTraceContaining("do not all name the one key service");
        for (String setting : new String[] {KeyToolkit.KMS_INSTANCE_ID_PROPERTY_NAME, KeyToolkit.KEY_ACCESS_TOKEN_PROPERTY_NAME}) {
            Map<String, String> oneOfA = BoundDatasetDecryption.reading(jobB);
            oneOfA.put(setting, jobA);
            assertThatThrownBy(() -> EncryptedRows.readDataset(dataA, conf(oneOfA)))
                    .as("job A's name as %s only", setting).hasStackTraceContaining("do not all name the one key service");
        }
        Map<String, String> anotherClient = BoundDatasetDecryption.reading(jobA);
        anotherClient.put(KeyToolkit.KMS_CLIENT_CLASS_PROPERTY_NAME, "org.apache.parquet.crypto.keytools.LocalWrapKmsClient");
        assertThatThrownBy(() -> EncryptedRows.readDataset(dataA, conf(anotherClient)))
                .as("another KMS client than Veil's").hasStackTraceContaining("do not all name the one key service");
    }

    @Test
    void aReadThroughParquetsOwnFactoryLeavesNoClientOfAnotherServiceUnderAJobsName() throws Exception {
        Path dataA = datasetOf(jobA);
        // any file bound to no dataset, under job A's master key (Parquet's own factory cannot open dataA's files)
        Path unbound = Files.createDirectory(tmp.resolve("unbound"));
        EncryptedRows.write(unbound, RowCells.split(rows()), 10, ParquetCrypto.apply(new Configuration(), jobA, "m"));
        Map<String, String> asJobB = ParquetCrypto.reading(jobA);
        asJobB.put(KeyToolkit.KMS_INSTANCE_ID_PROPERTY_NAME, jobB);
        asJobB.put(KeyToolkit.KEY_ACCESS_TOKEN_PROPERTY_NAME, jobB);
        assertThatThrownBy(() -> EncryptedRows.readAll(unbound, conf(asJobB)))
                .as("a read through Parquet's own factory: job A's URL under job B's instance id and access token")
                .hasStackTraceContaining("one key service's name as Parquet's KMS instance URL, instance id and access token");

        assertThatThrownBy(() -> EncryptedRows.readDataset(dataA, conf(BoundDatasetDecryption.reading(jobB))))
                .as("job B's read of job A's files afterwards, as its own read names it: through job B's service only")
                .hasStackTraceContaining("not_in_scope");
    }

    /** Job A's dataset of four rows, two a file, sealed under job A's master key. */
    private Path datasetOf(String kmsName) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("data-" + UUID.randomUUID()));
        EncryptedRows.writeDataset(dir, RowCells.split(rows()), 2, ParquetCrypto.apply(new Configuration(), kmsName, "m"));
        return dir;
    }

    private static NamedTensors rows() {
        float[] v = new float[12];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        return NamedTensors.of(Tensor.ofFloats("x", new long[] {4, 3}, v));
    }

    private static Configuration conf(Map<String, String> settings) {
        Configuration conf = new Configuration();
        settings.forEach(conf::set);
        return conf;
    }
}
