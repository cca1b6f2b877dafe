package dev.veil.provider;

import dev.veil.protocol.contract.DatasetFit;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.ValueType;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.seal.AssetKey;
import dev.veil.seal.SealHeader;
import dev.veil.seal.UnsealingInputStream;
import dev.veil.seal.Unsealer;
import dev.veil.tensor.TensorFormatException;
import dev.veil.tensor.npz.Npz;
import dev.veil.tensor.npz.NpzStream;
import dev.veil.tensor.stream.RowReader;
import dev.veil.tensor.stream.RowReaders;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The data provider's check, on its own machine and before its key moves, that its dataset fits the contract's model
 * signature. Only the head of the dataset is read: a .npy header, or a CSV's first lines (an optional header line and
 * the first row), which is all the row shape needs; the sealed dataset is opened only that far, with the data
 * provider's own key. The row count is not read here: the enclave enforces the contract's row limit as it streams.
 *
 * <p>An .npz (recognised by the zip magic) is read to its end, as strictly as the enclave reads it but without keeping
 * its data (a zip says what it holds only at its end): its arrays' names, element types, ranks and fixed sizes are
 * checked against every model input, and every array must hold the same number of rows.
 */
public final class DatasetCheck {
    /**
     * Enough for a CSV header line and a first row of the longest line the streaming reader accepts, and any .npy
     * header: more of the dataset is never decrypted for this check.
     */
    static final int HEAD_BYTES = 2 * RowReaders.DEFAULT_BUFFER_BYTES + 1024;

    private DatasetCheck() {
    }

    /** Checks the sealed dataset, opening only its head with {@code key}. */
    public static void requireFits(SessionContract contract, byte[] sealedDataset, AssetKey key) throws ProtocolException, IOException {
        requireFits(contract, SealedAsset.of(sealedDataset), key);
    }

    /** Checks the sealed dataset (in memory or in a file), opening only its head with {@code key}. */
    public static void requireFits(SessionContract contract, SealedAsset sealedDataset, AssetKey key) throws ProtocolException, IOException {
        byte[] head = head(sealedDataset, key);
        if (Npz.looksLikeNpz(head)) {
            Arrays.fill(head, (byte) 0);
            requireOutputFits(contract, true);
            try (InputStream in = sealedDataset.open()) {
                in.skipNBytes(SealHeader.LENGTH);
                try (UnsealingInputStream plain = UnsealingInputStream.open(sealedDataset.header(), in, key, Unsealer.DigestCheck.AUTHENTICATE_ONLY)) {
                    requireNpzFits(contract, plain);
                }
            } catch (UnsealingInputStream.Refused e) {
                throw new ProtocolException("your sealed dataset cannot be opened: " + e.getMessage());
            }
            return;
        }
        requireHeadFits(contract, head);
    }

    /** Checks a dataset whose plaintext is in memory (the demo's). */
    public static void requireFits(SessionContract contract, byte[] plaintext) throws ProtocolException, IOException {
        if (Npz.looksLikeNpz(plaintext)) {
            requireOutputFits(contract, true);
            requireNpzFits(contract, new ByteArrayInputStream(plaintext));
            return;
        }
        byte[] head = Arrays.copyOf(plaintext, Math.min(plaintext.length, HEAD_BYTES));
        requireHeadFits(contract, plaintext.length <= HEAD_BYTES ? head : wholeLines(head));
    }

    /** Reads the row shape from {@code head}, which it then zeroes. */
    private static void requireHeadFits(SessionContract contract, byte[] head) throws ProtocolException, IOException {
        long[] rowShape;
        try (RowReader rows = RowReaders.open(new ByteArrayInputStream(head))) {
            rowShape = rows.rowShape();
        } catch (TensorFormatException e) {
            throw new ProtocolException("your dataset cannot be read: " + e.getMessage() + "; nothing was released");
        } finally {
            Arrays.fill(head, (byte) 0);
        }
        String problem = DatasetFit.outputProblem(contract.output(), false);
        if (problem == null) {
            problem = DatasetFit.problem(contract.model().signature(), rowShape);
        }
        if (problem != null) {
            throw new ProtocolException(problem + "; nothing was released");
        }
    }

    private static void requireOutputFits(SessionContract contract, boolean namedArrays) throws ProtocolException {
        String problem = DatasetFit.outputProblem(contract.output(), namedArrays);
        if (problem != null) {
            throw new ProtocolException(problem + "; nothing was released");
        }
    }

    /** Reads the .npz {@code plaintext} to its end, keeping only what its arrays are, and checks them. */
    private static void requireNpzFits(SessionContract contract, InputStream plaintext) throws ProtocolException, IOException {
        List<NpzStream.Array> arrays;
        try {
            arrays = NpzStream.read(plaintext, Long.MAX_VALUE, array -> OutputStream.nullOutputStream());
            if (plaintext.read() >= 0) {
                throw new TensorFormatException(".npz has bytes after its end record");
            }
        } catch (TensorFormatException e) {
            throw new ProtocolException("your dataset cannot be read: " + e.getMessage() + "; nothing was released");
        }
        List<DatasetFit.Given> given = new ArrayList<>();
        for (NpzStream.Array a : arrays) {
            given.add(new DatasetFit.Given(a.name(), ValueType.fromId(a.type().id()), a.shape()));
        }
        String problem = DatasetFit.batchProblem(contract.model().signature(), given);
        if (problem != null) {
            throw new ProtocolException(problem + "; nothing was released");
        }
    }

    /** The first {@link #HEAD_BYTES} of plaintext (or all of it), authenticated segment by segment. */
    private static byte[] head(SealedAsset sealed, AssetKey key) throws ProtocolException, IOException {
        try (InputStream in = sealed.open()) {
            in.skipNBytes(SealHeader.LENGTH);
            try (UnsealingInputStream plain = UnsealingInputStream.open(sealed.header(), in, key, Unsealer.DigestCheck.AUTHENTICATE_ONLY)) {
                byte[] head = plain.readNBytes(HEAD_BYTES);
                return head.length < HEAD_BYTES ? head : wholeLines(head);
            }
        } catch (UnsealingInputStream.Refused e) {
            throw new ProtocolException("your sealed dataset cannot be opened: " + e.getMessage());
        }
    }

    /**
     * A head cut short ends with the last whole line, so the CSV reader never takes a cut line for a short row. A
     * .npy header is whole either way.
     */
    private static byte[] wholeLines(byte[] head) {
        int end = head.length;
        while (end > 0 && head[end - 1] != '\n') {
            end--;
        }
        if (end == 0) {
            return head;   // no line ends in the head: the reader refuses a line longer than its buffer
        }
        byte[] lines = Arrays.copyOf(head, end);
        Arrays.fill(head, (byte) 0);
        return lines;
    }
}
