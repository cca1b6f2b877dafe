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

    /**
     * The share one instance enforces when the contract lets {@code instances} instances serve it: each counts only what
     * it answered itself (its counts live in its memory), so the budget is split evenly and no data provider gets more
     * than the contract's budget from all of them together (BudgetAcrossInstancesAttackTest).
     */
    public ServingBudget perInstance(int instances) {
        if (instances < 1) {
            throw new IllegalArgumentException("instances must be at least 1");
        }
        return new ServingBudget(rowsPerDay / instances, rowsTotal / instances);
    }
}
