package dev.veil.tensor.stream;

import ch.randelshofer.fastdoubleparser.JavaFloatParser;
import java.nio.charset.StandardCharsets;

/**
 * One CSV cell's bytes to a float, exactly as {@code Float.parseFloat(cell.strip())} on the cell decoded as UTF-8,
 * without making a String for the cells that hold a number. Three tiers, each exact where it answers: short plain
 * decimals (most datasets' cells) in one correctly rounded float operation ({@link #exact}, used by the row parser as
 * it scans); any other ASCII decimal number by FastDoubleParser, which implements Java's grammar and rounding; a
 * hexadecimal literal, and what FastDoubleParser does not take (non-ASCII, or not a number), by the JDK itself, so the
 * JDK has the last word on those and on every cell that is refused.
 */
final class CsvNumbers {
    /** Powers of ten exact in float: 5^10 < 2^24. */
    private static final float[] POW10 = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f};
    /** Significands below this are exact in float. */
    static final long EXACT = 1L << 24;
    /** Fraction digits whose power of ten is exact in float. */
    static final int MAX_FRACTION = 10;

    private CsvNumbers() {
    }

    /** The cell {@code bytes[from, to)} as Java reads it; NumberFormatException when it is not a number. */
    static float parse(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == 'x' || bytes[i] == 'X') {
                // a hexadecimal literal: FastDoubleParser rounds one with more digits than a float holds otherwise than
                // the JDK does (fuzzing found 0x8888888888888888888888888881p3), and they are rare in data
                return Float.parseFloat(text(bytes, from, to));
            }
        }
        try {
            return JavaFloatParser.parseFloat(bytes, from, to - from);
        } catch (NumberFormatException notAscii) {
            return Float.parseFloat(text(bytes, from, to));
        }
    }

    /** The cell as the error message quotes it: decoded and stripped, as the whole-line reader did. */
    static String text(byte[] bytes, int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.UTF_8).strip();
    }

    /**
     * {@code m / 10^fraction} correctly rounded, for {@code m < EXACT} and {@code fraction <= MAX_FRACTION} (negative
     * when there is no decimal point): both operands are exact floats, so one IEEE division rounds correctly.
     */
    static float exact(long m, int fraction) {
        return fraction > 0 ? m / POW10[fraction] : (float) m;
    }
}
