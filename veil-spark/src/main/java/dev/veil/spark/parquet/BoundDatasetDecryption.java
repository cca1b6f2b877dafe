package dev.veil.spark.parquet;

import dev.veil.protocol.batch.DatasetManifest;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.crypto.DecryptionPropertiesFactory;
import org.apache.parquet.crypto.FileDecryptionProperties;
import org.apache.parquet.crypto.ParquetCryptoRuntimeException;
import org.apache.parquet.crypto.keytools.KeyToolkit;
import org.apache.parquet.crypto.keytools.PropertiesDrivenCryptoFactory;

/**
 * Parquet's decryption factory for a data provider's dataset ({@link #reading}): each file is decrypted only with the
 * AAD prefix {@link FileBinding} gives for the index its name says, under the dataset this process was told to read
 * under the key service's name ({@link #register}), and plaintext files are refused. Parquet creates the factory by
 * reflection and hands it only its configuration and the file's path, so the dataset is found here by the key service's
 * name, as {@link VeilKmsClient} finds the service: an instance registers the manifest its driver checked, and what it
 * signs in its receipts is what was enforced. A file is decrypted only at a path the driver listed: the index comes from
 * the file's name, so without this a host could replace a listed file by a directory holding another file of the
 * dataset (Spark reads a directory's files), which would decrypt as that file and be read twice while the replaced one
 * was never read (DatasetFileReadTwiceAttackTest). In a Spark task a file is decrypted only under the key service of
 * the instance the task reads for, while it reads ({@link TaskKeyServices}): the name comes from the driver's options,
 * and another job's instance in this JVM has its own (InferenceTaskReadingUnderAnotherJobsKeyServiceAttackTest); an
 * instance's name decrypts nothing outside a task (FooterReadOutsideAnyTaskAttackTest). The read's settings must name
 * that one service as Parquet's KMS instance URL, instance id and access token alike, through {@link VeilKmsClient}, and
 * Parquet is handed exactly those: it keeps KMS clients by access token and instance id and unwrapped keys by access
 * token, so a name checked in the URL alone would let a read use another service's cached client and keys
 * (TaskReadingUnderItsOwnNameWithAnotherJobsAccessTokenAttackTest).
 */
public final class BoundDatasetDecryption implements DecryptionPropertiesFactory {
    private static final Map<String, Bound> BY_NAME = new ConcurrentHashMap<>();

    /**
     * The dataset read under one key service's name, the paths (their path part) of its files as the driver listed them,
     * and whether it is read outside Spark's tasks (the data provider's own process) rather than by an enclave instance.
     */
    private record Bound(DatasetManifest dataset, Set<String> paths, boolean outsideTasks) {
    }

    /**
     * Decryption through the key service this process registered under {@code kmsName}, of the dataset registered under
     * the same name.
     */
    public static Map<String, String> reading(String kmsName) {
        Map<String, String> p = ParquetCrypto.reading(kmsName);
        p.put(CRYPTO_FACTORY_CLASS_PROPERTY_NAME, BoundDatasetDecryption.class.getName());
        return p;
    }

    /**
     * Registers, for an enclave instance, the dataset files read under {@code kmsName} must belong to, and the paths they
     * must be read at (Hadoop path strings, as listed by {@link DatasetFiles#list}); they are decrypted only in a task
     * bound to the name ({@link TaskKeyServices}). Refuses another dataset under a name that holds one already (one job
     * reads one dataset).
     */
    public static void register(String kmsName, DatasetManifest dataset, Collection<String> files) {
        register(kmsName, new Bound(dataset, pathParts(files), false));
    }

    /** Registers as {@link #register} does, for the data provider's own process, which reads outside Spark's tasks. */
    static void registerOutsideTasks(String kmsName, DatasetManifest dataset, Collection<String> files) {
        register(kmsName, new Bound(dataset, pathParts(files), true));
    }

    private static void register(String kmsName, Bound bound) {
        Bound existing = BY_NAME.putIfAbsent(kmsName, bound);
        if (existing != null && !existing.equals(bound)) {
            throw new IllegalStateException("this process reads another dataset under the name " + kmsName);
        }
    }

    /**
     * Withdraws the dataset under {@code kmsName}: by the data provider's read when it is done, and with the key service
     * of that name ({@link DataKeyServices#unregister}), so never by a caller that does not hold the service.
     */
    static void unregister(String kmsName) {
        BY_NAME.remove(kmsName);
    }

    @Override
    public FileDecryptionProperties getFileDecryptionProperties(Configuration conf, Path file) throws ParquetCryptoRuntimeException {
        String name = conf.getTrimmed(KeyToolkit.KMS_INSTANCE_URL_PROPERTY_NAME);
        Bound bound = name == null ? null : BY_NAME.get(name);
        if (bound == null) {
            throw new ParquetCryptoRuntimeException("this process was given no dataset to read: only an enclave instance of the"
                    + " batch reads the data provider's files");
        }
        if (!namesOneVeilService(conf, name)) {
            // Parquet would find its cached client and keys by the instance id and access token, not by the name checked
            throw new ParquetCryptoRuntimeException("the read's KMS instance URL, instance id and access token do not all name"
                    + " the one key service it reads under, through Veil's KMS client");
        }
        if (!TaskKeyServices.mayDecrypt(name, bound.outsideTasks())) {
            // the driver named another instance's key service than the one this task reads for, or the task opened a file
            // beside its instance's read, or outside any task (TaskKeyServices)
            throw new ParquetCryptoRuntimeException("a file of an instance's dataset is decrypted only in its task, while the"
                    + " instance reads, under its own key service");
        }
        if (!bound.paths().contains(pathPart(file))) {
            throw new ParquetCryptoRuntimeException("a file at " + file + " is not one of the dataset's files where the driver"
                    + " listed them");
        }
        DatasetManifest dataset = bound.dataset();
        int index = FileBinding.indexOf(file.getName());
        if (index < 0 || index >= dataset.files()) {
            throw new ParquetCryptoRuntimeException("a file named " + file.getName() + " is not one of the dataset's "
                    + dataset.files() + " files");
        }
        // a copy, so that what Parquet reads is what was checked, whatever else holds the driver's configuration
        Configuration pinned = new Configuration(conf);
        ParquetCrypto.reading(name).forEach(pinned::set);
        FileDecryptionProperties keys = new PropertiesDrivenCryptoFactory().getFileDecryptionProperties(pinned, file);
        return FileBinding.decryption(keys, FileBinding.aadPrefix(dataset, index));
    }

    /** Whether {@code conf} reads under {@code name} as {@link ParquetCrypto#reading} sets it: one name thrice, Veil's client. */
    private static boolean namesOneVeilService(Configuration conf, String name) {
        return name.equals(conf.getTrimmed(KeyToolkit.KMS_INSTANCE_ID_PROPERTY_NAME))
                && name.equals(conf.getTrimmed(KeyToolkit.KEY_ACCESS_TOKEN_PROPERTY_NAME))
                && VeilKmsClient.class.getName().equals(conf.getTrimmed(KeyToolkit.KMS_CLIENT_CLASS_PROPERTY_NAME));
    }

    private static Set<String> pathParts(Collection<String> files) {
        return files.stream().map(f -> pathPart(new Path(f))).collect(Collectors.toUnmodifiableSet());
    }

    /** The path without scheme or authority: a file listed as {@code /d/x} and read as {@code file:/d/x} is the same. */
    private static String pathPart(Path p) {
        return p.toUri().getPath();
    }
}
