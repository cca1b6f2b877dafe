package dev.veil.spark.cli;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The batch launcher's logging is configured by its own jar only. Log4j reads its configuration from {@code log4j*}
 * system properties and {@code LOG4J_*} environment variables as it starts, before anything of Veil's runs: a URL to
 * fetch a configuration from, appenders that send every log line elsewhere, classes to instantiate by name. Whoever
 * starts a batch process (the cluster manager, for an executor) writes its command line and environment, so the launcher
 * refuses both before the first logger exists.
 */
final class LoggingConfiguration {
    /**
     * The one Log4j setting let through, under both its names: it only turns message lookups off, and many clusters set
     * it on every process since Log4Shell.
     */
    private static final java.util.Set<String> HARMLESS = java.util.Set.of("log4j2.formatmsgnolookups", "log4j_format_msg_no_lookups");

    private LoggingConfiguration() {
    }

    /** The first Log4j setting among {@code systemProperties} and {@code environment}, named, or empty when none. */
    static Optional<String> givenFromOutside(Properties systemProperties, Map<String, String> environment) {
        for (String key : systemProperties.stringPropertyNames().stream().sorted().toList()) {
            if (key.toLowerCase(Locale.ROOT).contains("log4j") && !HARMLESS.contains(key.toLowerCase(Locale.ROOT))) {
                return Optional.of("the system property " + key);
            }
        }
        for (String name : environment.keySet().stream().sorted().toList()) {
            if (name.toLowerCase(Locale.ROOT).contains("log4j") && !HARMLESS.contains(name.toLowerCase(Locale.ROOT))) {
                return Optional.of("the environment variable " + name);
            }
        }
        return Optional.empty();
    }
}
