package dev.veil.attest.policy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
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
 * @param noTdxRtmrPins accept TDX evidence with RTMR0..2 not all pinned: any OS on the pinned firmware. Written only
 *                      when set, so contracts that never had the field keep their canonical bytes and hashes
 */
public record Waivers(@JsonProperty("tcb_statuses") List<String> tcbStatuses,
                      @JsonProperty("advisories") List<String> advisories,
                      @JsonProperty("missing_collateral") List<String> missingCollateral,
                      @JsonProperty("no_snp_min_tcb") boolean noSnpMinTcb,
                      @JsonProperty("no_tdx_rtmr_pins") @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean noTdxRtmrPins) {
    private static final Waivers NONE = new Waivers(List.of(), List.of(), List.of(), false, false);

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
                            @JsonProperty("no_snp_min_tcb") Boolean noSnpMinTcb,
                            @JsonProperty("no_tdx_rtmr_pins") Boolean noTdxRtmrPins) {
        return new Waivers(tcbStatuses, advisories, missingCollateral, Boolean.TRUE.equals(noSnpMinTcb),
                Boolean.TRUE.equals(noTdxRtmrPins));
    }

    public static Waivers none() {
        return NONE;
    }

    public Waivers withTcbStatuses(List<String> statuses) {
        return new Waivers(statuses, advisories, missingCollateral, noSnpMinTcb, noTdxRtmrPins);
    }

    public Waivers withAdvisories(List<String> ids) {
        return new Waivers(tcbStatuses, ids, missingCollateral, noSnpMinTcb, noTdxRtmrPins);
    }

    public Waivers withMissingCollateral(List<String> kinds) {
        return new Waivers(tcbStatuses, advisories, kinds, noSnpMinTcb, noTdxRtmrPins);
    }

    public Waivers withNoSnpMinTcb(boolean waived) {
        return new Waivers(tcbStatuses, advisories, missingCollateral, waived, noTdxRtmrPins);
    }

    public Waivers withNoTdxRtmrPins(boolean waived) {
        return new Waivers(tcbStatuses, advisories, missingCollateral, noSnpMinTcb, waived);
    }

    @JsonIgnore
    public boolean isEmpty() {
        return tcbStatuses.isEmpty() && advisories.isEmpty() && missingCollateral.isEmpty() && !noSnpMinTcb && !noTdxRtmrPins;
    }
}
