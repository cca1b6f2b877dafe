package dev.veil.protocol.serving;

/**
 * How much each data provider may have answered under a serving contract: the model provider's bound on model
 * extraction. Both are counted per data-provider identity (its fingerprint) by the enclave.
 *
 * @param rowsPerDay the most input rows one data provider may have answered in one UTC calendar day
 * @param rowsTotal the most input rows one data provider may have answered over the contract's whole life
 */
public record ServingBudget(Long rowsPerDay, Long rowsTotal) {
    public ServingBudget {
        if (rowsPerDay == null || rowsTotal == null) {
            // boxed so that a missing field is refused here, instead of read as zero or as a default
            throw new IllegalArgumentException("serving contract budget needs rows_per_day and rows_total");
        }
    }
}
