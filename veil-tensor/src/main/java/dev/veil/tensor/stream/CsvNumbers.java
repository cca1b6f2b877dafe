package dev.veil.tensor.stream;

import ch.randelshofer.fastdoubleparser.JavaFloatParser;
import java.nio.charset.StandardCharsets;

/**
 * One CSV cell's bytes to a float, exactly as {@code Float.parseFloat(cell.strip())} on the cell decoded as UTF-8,
 * without making a String for the cells that hold a number. Three tiers, each exact where it answers: short plain
 * decimals (most datasets' cells) in one correctly rounded float operation; any other ASCII number by FastDoubleParser,
 * which implements Java's grammar and rounding; what neither takes (non-ASCII, or not a number) by the JDK itself, so
 * the JDK has the last word on every cell that is refused.
 */
final class CsvNumbers {
    /** Powers of ten exact in float: 5^10 < 2^24. */
    private static final float[] POW10 = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f};
    private static final long EXACT = 1L << 24;

    private CsvNumbers() {
    }

    /** The cell {@code bytes[from, to)} as Java reads it; NumberFormatException when it is not a number. */
    static float parse(byte[] bytes, int from, int to) {
        float v = shortDecimal(bytes, from, to);
        if (v == v) {
            return v;
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
     * [space] [sign] digits [. digits] [space] with at most 10 fraction digits and a significand below 2^24: then the
     * significand and the power of ten are both exact floats, so one IEEE division (or none) rounds correctly
     * (Clinger's fast path). NaN for anything else, which the next tier decides.
     */
    private static float shortDecimal(byte[] b, int from, int to) {
        int i = from;
        int end = to;
        while (i < end && (b[i] & 0xff) <= ' ') {
            i++;
        }
        while (end > i && (b[end - 1] & 0xff) <= ' ') {
            end--;
        }
        boolean negative = false;
        if (i < end && (b[i] == '-' || b[i] == '+')) {
            negative = b[i] == '-';
            i++;
        }
        long m = 0;
        int digits = 0;
        int fraction = -1;
        for (; i < end; i++) {
            int d = b[i] - '0';
            if (d >= 0 && d <= 9) {
                m = m * 10 + d;
                digits++;
                if (fraction >= 0) {
                    fraction++;
                }
                if (m >= EXACT) {
                    return Float.NaN;
                }
            } else if (b[i] == '.' && fraction < 0) {
                fraction = 0;
            } else {
                return Float.NaN;
            }
        }
        if (digits == 0 || fraction > 10) {
            return Float.NaN;
        }
        float v = fraction > 0 ? m / POW10[fraction] : (float) m;
        return negative ? -v : v;
    }
}
