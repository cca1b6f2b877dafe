package dev.veil.protocol.contract;

import java.util.List;

/**
 * Whether a model's rows are what contracts count. Every row bound Veil enforces (a batch contract's
 * {@code limits.max_rows}, a serving contract's budgets) counts rows along each input's first dimension: the Spark
 * executors count Parquet rows, whose cells hold one row; the batch enclave counts an .npz array's first axis; a
 * serving instance counts a request's. That bounds what the model answers only when a row is one sample. A model
 * whose input fixes its first dimension and leaves a later one free (an export with a batch of 1 and a free point,
 * box or sequence count) takes any number of samples in one row, and an input of no known shape takes any; both
 * contract verifiers refuse such models (SamplesPackedIntoOneRowAttackTest, PointsPackedIntoOneRowAttackTest,
 * PointsPackedIntoOneRowOnSparkAttackTest, RowsAlongAnotherDimensionAttackTest). A free first dimension with free
 * later ones is kept only when the contract gives each later one a max size ({@link MaxSizes}): a points model exported
 * [N, L, 3] takes any number of points in one row otherwise, and nothing in the model tells its L apart from MiniLM's
 * sequence (PointsPackedIntoOneRowAttackTest). Such a dimension must be named, since the size names it.
 */
public final class RowsAreTheBatch {
    private RowsAreTheBatch() {
    }

    /**
     * The first input whose rows are not samples, in one sentence naming it and what to do; or null.
     *
     * @param bound what the contract bounds by counting rows, as the sentence names it (e.g. "limits.max_rows", "the budgets")
     */
    public static String problem(ModelSignature signature, String bound) {
        for (ValueSignature in : signature.inputs()) {
            List<Dim> shape = in.shape();
            if (shape == null || shape.isEmpty()) {
                return "model input " + in + " has no known shape of rank 1 or more: Veil counts rows along each input's first "
                        + "dimension, so " + bound + " would not bound what the model answers; export the model with its input "
                        + "shapes, a free batch (first) dimension first";
            }
            boolean laterFree = shape.stream().skip(1).anyMatch(d -> d instanceof Dim.Free);
            if (shape.get(0) instanceof Dim.Fixed && laterFree) {
                return "model input " + in + ": its first dimension is fixed and a later one is free, so one row (along the "
                        + "first dimension) can carry any number of samples and " + bound + " would not bound what the model "
                        + "answers; export the model with a free batch (first) dimension";
            }
            for (int i = 1; i < shape.size(); i++) {
                if (!(shape.get(i) instanceof Dim.Free free)) {
                    continue;
                }
                if (free.name() == null) {
                    return "model input " + in + ": its dimension " + i + " is free and unnamed, so one row can carry any number"
                            + " of elements along it and " + bound + " would not bound what the model answers; export the model"
                            + " with a name for each free dimension (ONNX dim_param), then give that name a max size";
                }
                if (signature.maxSize(free.name()) < 1) {
                    return "model input " + in + ": its dimension " + i + " ('" + SignatureText.printable(free.name()) + "') is"
                            + " free, so one row can carry any number of elements along it and " + bound + " would not bound what"
                            + " the model answers; give it a max size in the signature's max_sizes (veil contract draft --max-size "
                            + SignatureText.printable(free.name()) + "=N)";
                }
            }
        }
        return null;
    }
}
