package dev.veil.protocol.batch;

import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import java.io.Serializable;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a data provider's Parquet dataset is ('veil seal --format parquet' writes it beside the files as
 * {@code _veil-dataset.json}): a random dataset id, and the rows of each file in file order (the file count is the
 * list's length). Every file is encrypted with an AAD prefix naming the dataset id, its index, the file count and its
 * rows (veil-spark's {@code FileBinding}), so a file dropped, renamed, swapped or taken from another dataset fails
 * authentication, and so does a manifest edited in any field.
 *
 * <p>The file holds exactly the manifest's canonical JSON; its SHA-256 ({@link #sha256Hex}) is what a contract's
 * {@code limits.dataset_sha256} pins for a Parquet dataset. The driver ships it to the executors with the job (Java
 * serialization of a record runs its checks again).
 *
 * @param kind        {@link #KIND}; any other version is refused
 * @param datasetId   16 random bytes, 32 lowercase hex digits
 * @param rowsPerFile the rows of file 0, 1, ...; at least one file
 */
public record DatasetManifest(String kind, String datasetId, List<Long> rowsPerFile) implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String KIND = "veil.parquet-dataset.v1";
    /** The manifest's name in a dataset directory: Spark's and Parquet's readers skip names starting with '_'. */
    public static final String FILE_NAME = "_veil-dataset.json";
    /** A manifest larger than this is refused before parsing: a million files take about 8 MB. */
    public static final int MAX_BYTES = 16 << 20;
    /** More files than this is refused (file names have room for them, and a list this long stays small). */
    public static final int MAX_FILES = 1_000_000;
    private static final Pattern ID = Pattern.compile("[0-9a-f]{32}");
    private static final SecureRandom RANDOM = new SecureRandom();

    public DatasetManifest {
        if (!KIND.equals(kind)) {
            throw new IllegalArgumentException("a dataset manifest of kind '" + kind + "' is not one this version reads ("
                    + KIND + "): seal the dataset again with this version");
        }
        if (datasetId == null || !ID.matcher(datasetId).matches()) {
            throw new IllegalArgumentException("a dataset id is 32 lowercase hex digits");
        }
        if (rowsPerFile == null || rowsPerFile.isEmpty() || rowsPerFile.size() > MAX_FILES) {
            throw new IllegalArgumentException("a dataset has 1 to " + MAX_FILES + " files");
        }
        long total = 0;
        for (Long rows : rowsPerFile) {
            if (rows == null || rows < 0) {
                throw new IllegalArgumentException("a file's rows are 0 or more");
            }
            try {
                total = Math.addExact(total, rows);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("the dataset's rows overflow a 64-bit count");
            }
        }
        rowsPerFile = List.copyOf(rowsPerFile);
    }

    /** A new dataset of these files' rows, under a fresh random id. */
    public static DatasetManifest create(List<Long> rowsPerFile) {
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        return new DatasetManifest(KIND, HexFormat.of().formatHex(id), rowsPerFile);
    }

    /**
     * Parses a manifest file: strictly, and only in its canonical form (the form the digest a contract pins is taken
     * over), so that no two files that parse alike differ in their digest.
     */
    public static DatasetManifest parse(byte[] file) throws ProtocolException {
        if (file.length > MAX_BYTES) {
            throw new ProtocolException("the dataset manifest is larger than " + MAX_BYTES + " bytes");
        }
        DatasetManifest m = Json.parse(file, DatasetManifest.class, "dataset manifest");
        if (!MessageDigest.isEqual(m.canonicalBytes(), file)) {
            throw new ProtocolException("the dataset manifest is not in the canonical form 'veil seal --format parquet' writes:"
                    + " it was edited");
        }
        return m;
    }

    /** The bytes of the manifest file (canonical JSON). */
    public byte[] canonicalBytes() {
        return Json.canonical(this);
    }

    /** The SHA-256 of {@link #canonicalBytes}: the value of {@code limits.dataset_sha256} that pins this dataset. */
    public String sha256Hex() {
        return Digests.hex(Digests.sha256(canonicalBytes()));
    }

    public int files() {
        return rowsPerFile.size();
    }

    public long totalRows() {
        return rowsPerFile.stream().mapToLong(Long::longValue).sum();
    }

    public byte[] datasetIdBytes() {
        return HexFormat.of().parseHex(datasetId);
    }
}
