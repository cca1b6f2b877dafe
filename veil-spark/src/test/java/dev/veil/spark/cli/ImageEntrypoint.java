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
 * the environment alone that it is given and the image's java replaced by a program that writes its arguments down: what
 * the executor JVM of a pod would be started with.
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
        Files.writeString(fakeJava, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '" + argv + "'\n");
        Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwx------"));
        String script = Files.readString(SCRIPT);
        if (!script.contains("\njava=" + JAVA + "\n")) {
            throw new IllegalStateException(SCRIPT + " no longer runs " + JAVA);
        }
        Path copy = dir.resolve("entrypoint");
        Files.writeString(copy, script.replace("\njava=" + JAVA + "\n", "\njava=" + fakeJava + "\n"));
        List<String> command = new ArrayList<>(List.of("/bin/bash", copy.toString()));
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
}
