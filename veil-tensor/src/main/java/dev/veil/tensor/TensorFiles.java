package dev.veil.tensor;

/** Picks the reader by content: .npy files start with their magic, anything else is treated as CSV. */
public final class TensorFiles {
    private TensorFiles() {
    }

    public static boolean isNpy(byte[] bytes) {
        return bytes.length >= 6 && (bytes[0] & 0xff) == 0x93 && bytes[1] == 'N' && bytes[2] == 'U' && bytes[3] == 'M'
                && bytes[4] == 'P' && bytes[5] == 'Y';
    }

    public static FloatTensor read(byte[] bytes) throws TensorFormatException {
        return isNpy(bytes) ? Npy.read(bytes) : NumericCsv.read(bytes);
    }
}
