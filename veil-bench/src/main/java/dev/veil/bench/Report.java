package dev.veil.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Collects result rows, prints them as they come, and writes them as Markdown for docs/BENCHMARKS.md. */
final class Report {
    private final List<String> markdown = new ArrayList<>();

    void section(String title) {
        System.out.println();
        System.out.println("== " + title);
        markdown.add("");
        markdown.add("### " + title);
        markdown.add("");
    }

    void table(String... header) {
        markdown.add("| " + String.join(" | ", header) + " |");
        markdown.add("|" + " --- |".repeat(header.length));
        System.out.println(String.join("\t", header));
    }

    void row(Object... cells) {
        List<String> s = new ArrayList<>();
        for (Object c : cells) {
            s.add(c instanceof Double d ? String.format("%.2f", d) : String.valueOf(c));
        }
        markdown.add("| " + String.join(" | ", s) + " |");
        System.out.println(String.join("\t", s));
    }

    void note(String text) {
        markdown.add("");
        markdown.add(text);
        System.out.println(text);
    }

    void write(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, markdown);
        System.out.println();
        System.out.println("Markdown written to " + file);
    }

    static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
