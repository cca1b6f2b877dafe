package dev.veil.attest.dcap;

/**
 * TCB statuses as Intel's PCS names them, and the convergence rules of Intel's Quote Verification Library: an
 * out-of-date or revoked TDX module or Quoting Enclave downgrades the platform's level status.
 */
final class TcbStatus {
    static final String UP_TO_DATE = "UpToDate";
    static final String SW_HARDENING = "SWHardeningNeeded";
    static final String CONFIG = "ConfigurationNeeded";
    static final String CONFIG_AND_SW = "ConfigurationAndSWHardeningNeeded";
    static final String OUT_OF_DATE = "OutOfDate";
    static final String OUT_OF_DATE_CONFIG = "OutOfDateConfigurationNeeded";
    static final String REVOKED = "Revoked";
    static final String NOT_SUPPORTED = "TcbNotSupported";
    static final String TDX_MODULE_MISMATCH = "TdxModuleMismatch";
    static final String UNKNOWN = "Unknown (no TCB Info supplied)";

    private TcbStatus() {
    }

    /** A level's status combined with an out-of-date or revoked component (TDX module or QE). */
    static String converge(String level, String component) {
        if (OUT_OF_DATE.equals(component)) {
            if (UP_TO_DATE.equals(level) || SW_HARDENING.equals(level)) {
                return OUT_OF_DATE;
            }
            if (CONFIG.equals(level) || CONFIG_AND_SW.equals(level)) {
                return OUT_OF_DATE_CONFIG;
            }
        }
        if (REVOKED.equals(component)) {
            return REVOKED;
        }
        if (NOT_SUPPORTED.equals(component)) {
            return NOT_SUPPORTED;
        }
        return level;
    }
}
