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
 * the instance the task reads for ({@link TaskKeyServices}): the name comes from the driver's options, and another job's
 * instance in this JVM has its own (InferenceTaskReadingUnderAnotherJobsKeyServiceAttackTest).
 */
public final class BoundDatasetDecryption implements DecryptionPropertiesFactory {
    private static final Map<String, Bound> BY_NAME = new ConcurrentHashMap<>();

    /** The dataset read under one key service's name, and the paths (their path part) of its files as the driver listed them. */
    private record Bound(DatasetManifest dataset, Set<String> paths) {
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
     * Registers the dataset files read under {@code kmsName} must belong to, and the paths they must be read at (Hadoop
     * path strings, as listed by {@link DatasetFiles#list}); refuses another dataset under a name that holds one already
     * (one job reads one dataset).
     */
    public static void register(String kmsName, DatasetManifest dataset, Collection<String> files) {
        Bound bound = new Bound(dataset, files.stream().map(f -> pathPart(new Path(f))).collect(Collectors.toUnmodifiableSet()));
        Bound existing = BY_NAME.putIfAbsent(kmsName, bound);
        if (existing != null && !existing.equals(bound)) {
            throw new IllegalStateException("this process reads another dataset under the name " + kmsName);
        }
    }

    public static void unregister(String kmsName) {
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
        if (!TaskKeyServices.mayDecrypt(name)) {
            // the driver named another instance's key service than the one this task reads for (TaskKeyServices)
            throw new ParquetCryptoRuntimeException("this task reads for an instance whose key service is not the one named");
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
        FileDecryptionProperties keys = new PropertiesDrivenCryptoFactory().getFileDecryptionProperties(conf, file);
        return FileBinding.decryption(keys, FileBinding.aadPrefix(dataset, index));
    }

    /** The path without scheme or authority: a file listed as {@code /d/x} and read as {@code file:/d/x} is the same. */
    private static String pathPart(Path p) {
        return p.toUri().getPath();
    }
}
