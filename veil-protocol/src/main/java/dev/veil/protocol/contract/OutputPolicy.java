package dev.veil.protocol.contract;

/**
 * What the enclave may return to the data provider. {@code labels}: one class index per row (argmax, or the
 * model's integer output). {@code top_k}: the k best classes with their scores. {@code scores}: the model's full
 * first output tensor. {@code npz}: every output tensor by name, as an .npz (for models of named inputs and outputs,
 * fed an .npz). Less is safer for the model provider: scores and npz make model extraction easier.
 */
public record OutputPolicy(String kind, int k) {
    public static final String LABELS = "labels";
    public static final String TOP_K = "top_k";
    public static final String SCORES = "scores";
    public static final String NPZ = "npz";

    public static OutputPolicy labels() {
        return new OutputPolicy(LABELS, 0);
    }

    public static OutputPolicy scores() {
        return new OutputPolicy(SCORES, 0);
    }

    public static OutputPolicy npz() {
        return new OutputPolicy(NPZ, 0);
    }

    public static OutputPolicy topK(int k) {
        return new OutputPolicy(TOP_K, k);
    }

    /** Returns a reason when the policy is malformed, or null. */
    public String problem() {
        return switch (kind) {
            case LABELS, SCORES, NPZ -> k == 0 ? null : "output.k must be 0 for " + kind;
            case TOP_K -> k >= 1 && k <= 1000 ? null : "output.k must be 1..1000 for top_k";
            default -> "output.kind is '" + kind + "', expected labels, top_k, scores or npz";
        };
    }
}
