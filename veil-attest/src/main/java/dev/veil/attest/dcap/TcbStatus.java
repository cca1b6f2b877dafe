package dev.veil.attest.dcap;

import dev.veil.attest.json.JsonFormatException;
import dev.veil.attest.json.JsonObject;
import java.util.EnumSet;
import java.util.Set;

/**
 * TCB statuses as Intel's PCS names them, and the convergence rules of Intel's Quote Verification Library
 * (TcbLevelCheck convergeTcbStatusWithQeTcbStatus, TdxModuleCheck convergeTcbStatusWithTdxModuleStatus): an
 * out-of-date or revoked TDX module or Quoting Enclave downgrades the platform's level status.
 */
public enum TcbStatus {
    UP_TO_DATE("UpToDate"),
    SW_HARDENING_NEEDED("SWHardeningNeeded"),
    CONFIGURATION_NEEDED("ConfigurationNeeded"),
    CONFIGURATION_AND_SW_HARDENING_NEEDED("ConfigurationAndSWHardeningNeeded"),
    OUT_OF_DATE("OutOfDate"),
    OUT_OF_DATE_CONFIGURATION_NEEDED("OutOfDateConfigurationNeeded"),
    REVOKED("Revoked"),
    /** Outcome of matching, never read from collateral: the platform is below every level. */
    NOT_SUPPORTED("TcbNotSupported"),
    /** Outcome when no TCB Info was available, so no status could be assessed. */
    UNKNOWN("Unknown");

    /** The statuses a TCB level in TCB Info or QE Identity may carry (QVL TcbLevel::parseTcbLevelCommon). */
    private static final Set<TcbStatus> IN_COLLATERAL = EnumSet.range(UP_TO_DATE, REVOKED);

    private final String text;

    TcbStatus(String text) {
        this.text = text;
    }

    /** Intel's name, as reported in the {@code tcb_status} claim. */
    public String text() {
        return text;
    }

    /** The level's {@code key} member, which must name one of the statuses collateral may carry. */
    static TcbStatus read(JsonObject level, String key) throws JsonFormatException {
        String s = level.string(key);
        for (TcbStatus t : IN_COLLATERAL) {
            if (t.text.equals(s)) {
                return t;
            }
        }
        throw new JsonFormatException(level.path() + "." + key, "'" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "'",
                "one of Intel's TCB statuses (UpToDate, SWHardeningNeeded, ConfigurationNeeded, "
                        + "ConfigurationAndSWHardeningNeeded, OutOfDate, OutOfDateConfigurationNeeded, Revoked)");
    }

    /**
     * This level status combined with a component's (TDX module or QE): OutOfDate lowers UpToDate and
     * SWHardeningNeeded to OutOfDate and the configuration statuses to OutOfDateConfigurationNeeded; Revoked and
     * TcbNotSupported win, Revoked over TcbNotSupported from either side: TcbNotSupported may be waived by a contract
     * and Revoked never may, so a revoked level or component must not turn into it. Intel's QVL treats any QE status
     * other than UpToDate and Revoked as OutOfDate; callers pass the QE's status through {@link #asQeComponent()} for that.
     */
    TcbStatus converge(TcbStatus component) {
        if (this == REVOKED || component == REVOKED) {
            return REVOKED;
        }
        if (component == OUT_OF_DATE) {
            if (this == UP_TO_DATE || this == SW_HARDENING_NEEDED) {
                return OUT_OF_DATE;
            }
            if (this == CONFIGURATION_NEEDED || this == CONFIGURATION_AND_SW_HARDENING_NEEDED) {
                return OUT_OF_DATE_CONFIGURATION_NEEDED;
            }
        }
        if (component == NOT_SUPPORTED) {
            return component;
        }
        return this;
    }

    /** A QE Identity level status as the QVL's EnclaveReportVerifier reads it: UpToDate, Revoked, or else OutOfDate. */
    TcbStatus asQeComponent() {
        return this == UP_TO_DATE || this == REVOKED || this == NOT_SUPPORTED ? this : OUT_OF_DATE;
    }
}
