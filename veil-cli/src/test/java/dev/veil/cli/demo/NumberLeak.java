package dev.veil.cli.demo;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Finds a data value written out as a number, and only as a number. A plain substring search is flaky: a hex digest or
 * a base64 blob holds any short run of digits now and then ("c84043215d" holds 4321), so a test that searches for a
 * cell value in a receipt fails about once in a few hundred runs without any leak. A number that leaks through text
 * (ONNX Runtime's "{987654,4321}", a JSON field, a log line) stands apart from letters, digits and base64 symbols.
 */
final class NumberLeak {
    private NumberLeak() {
    }

    static boolean in(String text, String number) {
        return Pattern.compile("(?<![0-9A-Za-z+/])" + Pattern.quote(number) + "(?![0-9A-Za-z+/])").matcher(text).find();
    }

    static boolean in(byte[] bytes, String number) {
        return in(new String(bytes, StandardCharsets.ISO_8859_1), number);
    }
}
