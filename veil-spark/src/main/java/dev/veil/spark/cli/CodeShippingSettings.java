package dev.veil.spark.cli;

import dev.veil.spark.job.CodeShipping;
import java.util.Optional;
import java.util.Properties;

/**
 * 'veil batch' refuses to start when the launcher JVM's {@code spark.*} system properties (which Spark reads) ship code
 * the contract does not measure to the executors ({@link CodeShipping}): the driver's Spark configuration comes from
 * whoever starts it, so it is checked before anything is read or any broker asked.
 */
final class CodeShippingSettings {
    private CodeShippingSettings() {
    }

    /** Refuses, naming the first such setting, when {@code properties} (the JVM's system properties) hold one. */
    static void refuse(Properties properties) throws UsageError {
        for (String key : properties.stringPropertyNames().stream().sorted().toList()) {
            if (!key.startsWith("spark.")) {
                continue;
            }
            Optional<String> why = CodeShipping.why(key, properties.getProperty(key));
            if (why.isPresent()) {
                throw new UsageError(key + " is set (a JVM system property) and " + why.get() + ", which the contract does not measure; "
                        + "a batch ships no code but the measured launcher's: remove it");
            }
        }
    }
}
