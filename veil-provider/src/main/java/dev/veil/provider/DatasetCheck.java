package dev.veil.provider;

import dev.veil.protocol.contract.DatasetFit;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.ValueType;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.seal.AssetKey;
import dev.veil.seal.SealHeader;
import dev.veil.seal.UnsealingInputStream;
import dev.veil.seal.Unsealer;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.TensorFormatException;
import dev.veil.tensor.npz.Npz;
import dev.veil.tensor.stream.RowReader;
import dev.veil.tensor.stream.RowReaders;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The data provider's check, on its own machine and before its key moves, that its dataset fits the contract's model
 * signature. Only the head of the dataset is read: a .npy header, or a CSV's first lines (an optional header line and
 * the first row), which is all the row shape needs; the sealed dataset is opened only that far, with the data
 * provider's own key. The row count is not read here: the enclave enforces the contract's row limit as it streams.
 *
 * <p>An .npz (recognised by the zip magic) is read whole, as strictly as the enclave reads it, up to
 * {@link DatasetFit#MAX_NPZ_BYTES}: its arrays' names, element types, ranks and fixed sizes are checked against every
 * model input, and every array must hold the same number of rows.
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
            requireNpzFits(contract, whole(sealedDataset, key));
            return;
        }
        requireHeadFits(contract, head);
    }

    /** Checks a dataset whose plaintext is in memory (the demo's). */
    public static void requireFits(SessionContract contract, byte[] plaintext) throws ProtocolException, IOException {
        if (Npz.looksLikeNpz(plaintext)) {
            requireOutputFits(contract, true);
            if (plaintext.length > DatasetFit.MAX_NPZ_BYTES) {
                throw new ProtocolException(tooLarge(plaintext.length));
            }
            requireNpzFits(contract, plaintext.clone());
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

    /** Reads the .npz {@code plaintext} whole and checks its arrays; zeroes it and them. */
    private static void requireNpzFits(SessionContract contract, byte[] plaintext) throws ProtocolException {
        NamedTensors arrays;
        try {
            arrays = Npz.read(plaintext, DatasetFit.MAX_NPZ_BYTES);
        } catch (TensorFormatException e) {
            throw new ProtocolException("your dataset cannot be read: " + e.getMessage() + "; nothing was released");
        } finally {
            Arrays.fill(plaintext, (byte) 0);
        }
        List<DatasetFit.Given> given = new ArrayList<>();
        for (Tensor t : arrays.tensors()) {
            given.add(new DatasetFit.Given(t.name(), ValueType.fromId(t.type().id()), t.shape()));
        }
        arrays.wipe();
        String problem = DatasetFit.batchProblem(contract.model().signature(), given);
        if (problem != null) {
            throw new ProtocolException(problem + "; nothing was released");
        }
    }

    /** The whole plaintext of an .npz dataset, refused above {@link DatasetFit#MAX_NPZ_BYTES}. */
    private static byte[] whole(SealedAsset sealed, AssetKey key) throws ProtocolException, IOException {
        long size = sealed.header().plaintextSize();
        if (size > DatasetFit.MAX_NPZ_BYTES) {
            throw new ProtocolException(tooLarge(size));
        }
        try (InputStream in = sealed.open()) {
            in.skipNBytes(SealHeader.LENGTH);
            try (UnsealingInputStream plain = UnsealingInputStream.open(sealed.header(), in, key, Unsealer.DigestCheck.AUTHENTICATE_ONLY)) {
                return plain.readNBytes((int) size);
            }
        } catch (UnsealingInputStream.Refused e) {
            throw new ProtocolException("your sealed dataset cannot be opened: " + e.getMessage());
        }
    }

    static String tooLarge(long size) {
        return "your .npz dataset is " + size + " bytes; a batch session takes an .npz of at most " + DatasetFit.MAX_NPZ_BYTES
                + " bytes (CSV and .npy of any size stream): split it into several sessions; nothing was released";
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
