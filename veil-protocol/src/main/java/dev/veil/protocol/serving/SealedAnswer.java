package dev.veil.protocol.serving;

import java.util.Arrays;

/**
 * An encapsulated response: the first {@code length} bytes of {@code buffer}, which may hold unused room after them
 * (it was sized before the receipt was made), so a 1.5 MB answer is not copied once more to trim it.
 */
public record SealedAnswer(byte[] buffer, int length) {
    public SealedAnswer {
        if (buffer == null || length < 0 || length > buffer.length) {
            throw new IllegalArgumentException("a sealed answer is the first length bytes of its buffer");
        }
    }

    /** The encapsulated response alone, copied. */
    public byte[] toArray() {
        return Arrays.copyOf(buffer, length);
    }
}
