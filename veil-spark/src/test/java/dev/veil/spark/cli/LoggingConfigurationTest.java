package dev.veil.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * Which Log4j settings from outside the launcher's jar it refuses before Log4j starts (the end-to-end case, a
 * configuration fetched from the cluster manager's server, is LaunchedExecutorsObeyOnlyTheAttestedDriverAttackTest's).
 */
class LoggingConfigurationTest {
    @Test
    void log4jSettingsFromTheEnvironmentOrTheCommandLineAreNamed() {
        assertThat(LoggingConfiguration.givenFromOutside(new Properties(), Map.of("LOG4J_CONFIGURATION_FILE", "https://x/c.xml")))
                .contains("the environment variable LOG4J_CONFIGURATION_FILE");
        assertThat(LoggingConfiguration.givenFromOutside(new Properties(), Map.of("log4j2_contextSelector", "x")))
                .contains("the environment variable log4j2_contextSelector");
        Properties p = new Properties();
        p.setProperty("Log4jContextSelector", "org.example.Selector");
        assertThat(LoggingConfiguration.givenFromOutside(p, Map.of())).contains("the system property Log4jContextSelector");
    }

    /** The setting clusters put on every process since Log4Shell, which only turns lookups off: it passes. */
    @Test
    void turningLookupsOffPasses() {
        Properties p = new Properties();
        p.setProperty("log4j2.formatMsgNoLookups", "true");
        assertThat(LoggingConfiguration.givenFromOutside(p, Map.of("LOG4J_FORMAT_MSG_NO_LOOKUPS", "true", "PATH", "/usr/bin"))).isEmpty();
    }
}
