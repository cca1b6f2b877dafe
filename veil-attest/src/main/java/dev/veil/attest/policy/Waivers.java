package dev.veil.attest.policy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The named relaxations of the safe defaults, each one shown back to the user ({@code contract show},
 * {@code veil attest verify}). Nothing is relaxed unless it is listed here by name.
 *
 * @param tcbStatuses Intel TCB statuses accepted besides {@code UpToDate} (TDX/SGX), e.g. "SWHardeningNeeded"
 * @param advisories Intel security advisories accepted although they apply to the platform (TDX/SGX)
 * @param missingCollateral collateral kinds the verifier may lack (so revocation or TCB was not checked for them)
 * @param noSnpMinTcb accept SNP evidence with no minimum TCB set
 */
public record Waivers(@JsonProperty("tcb_statuses") List<String> tcbStatuses,
                      @JsonProperty("advisories") List<String> advisories,
                      @JsonProperty("missing_collateral") List<String> missingCollateral,
                      @JsonProperty("no_snp_min_tcb") boolean noSnpMinTcb) {
    private static final Waivers NONE = new Waivers(List.of(), List.of(), List.of(), false);

    public Waivers {
        tcbStatuses = tcbStatuses == null ? List.of() : List.copyOf(tcbStatuses);
        advisories = advisories == null ? List.of() : List.copyOf(advisories);
        missingCollateral = missingCollateral == null ? List.of() : List.copyOf(missingCollateral);
    }

    /** A missing field gets its default: nothing waived. */
    @JsonCreator
    static Waivers fromJson(@JsonProperty("tcb_statuses") List<String> tcbStatuses,
                            @JsonProperty("advisories") List<String> advisories,
                            @JsonProperty("missing_collateral") List<String> missingCollateral,
                            @JsonProperty("no_snp_min_tcb") Boolean noSnpMinTcb) {
        return new Waivers(tcbStatuses, advisories, missingCollateral, Boolean.TRUE.equals(noSnpMinTcb));
    }

    public static Waivers none() {
        return NONE;
    }

    public Waivers withTcbStatuses(List<String> statuses) {
        return new Waivers(statuses, advisories, missingCollateral, noSnpMinTcb);
    }

    public Waivers withAdvisories(List<String> ids) {
        return new Waivers(tcbStatuses, ids, missingCollateral, noSnpMinTcb);
    }

    public Waivers withMissingCollateral(List<String> kinds) {
        return new Waivers(tcbStatuses, advisories, kinds, noSnpMinTcb);
    }

    public Waivers withNoSnpMinTcb(boolean waived) {
        return new Waivers(tcbStatuses, advisories, missingCollateral, waived);
    }

    @JsonIgnore
    public boolean isEmpty() {
        return tcbStatuses.isEmpty() && advisories.isEmpty() && missingCollateral.isEmpty() && !noSnpMinTcb;
    }
}
