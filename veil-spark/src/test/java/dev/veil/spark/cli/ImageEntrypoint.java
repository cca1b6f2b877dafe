package dev.veil.spark.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The batch image's entrypoint (deploy/veil-spark-entrypoint, read from the repository) run as a container runs it, with
 * the environment alone that it is given and the image's java replaced by a program that writes its arguments and its
 * environment down: what the executor JVM of a pod would be started with. The copy is executed itself, as the image
 * runs it, so that its '#!' line (bash -p) applies.
 */
final class ImageEntrypoint {
    static final Path SCRIPT = Path.of("..", "deploy", "veil-spark-entrypoint").toAbsolutePath().normalize();
    /** The image's JDK, as the script names it. */
    private static final String JAVA = "/opt/java/openjdk/bin/java";

    private ImageEntrypoint() {
    }

    /** The java command line the entrypoint runs with {@code env} and {@code args}, in {@code dir}; fails on a non-zero exit. */
    static List<String> javaCommand(Path dir, Map<String, String> env, String... args) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path argv = dir.resolve("argv");
        Path fakeJava = dir.resolve("java");
        // every program by its path: the entrypoint gives java its own PATH alone
        Files.writeString(fakeJava, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '" + argv + "'\n"
                + "/usr/bin/env > '" + dir.resolve("env") + "'\n");
        Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwx------"));
        String script = Files.readString(SCRIPT);
        if (!script.contains("\njava=" + JAVA + "\n")) {
            throw new IllegalStateException(SCRIPT + " no longer runs " + JAVA);
        }
        Path copy = dir.resolve("entrypoint");
        Files.writeString(copy, script.replace("\njava=" + JAVA + "\n", "\njava=" + fakeJava + "\n"));
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwx------"));
        List<String> command = new ArrayList<>(List.of(copy.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("the entrypoint exited " + p.exitValue() + ": " + output);
        }
        return Files.readAllLines(argv, StandardCharsets.UTF_8);
    }

    /** The environment of the java the last {@link #javaCommand} in {@code dir} ran (NAME=value a line). */
    static Map<String, String> javaEnvironment(Path dir) throws IOException {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        String name = null;
        for (String line : Files.readAllLines(dir.resolve("env"), StandardCharsets.UTF_8)) {
            int eq = line.indexOf('=');
            if (eq > 0 && line.substring(0, eq).matches("[A-Za-z_][A-Za-z0-9_]*")) {
                name = line.substring(0, eq);
                out.put(name, line.substring(eq + 1));
            } else if (name != null) {
                out.put(name, out.get(name) + "\n" + line);   // a value's further lines
            }
        }
        return out;
    }
}
