package dev.veil.protocol.receipt;

/**
 * What the enclave attests about a finished inference: under which contract, which model and which input it ran, what
 * it produced, and which evidence the data provider verified. The input and the output appear only as salted
 * commitments ({@link ResultCommitments}); the salt travels sealed to the data provider inside the results, so
 * whoever sees the receipt without the salt cannot test guesses of the output (a label space is small). The receipt
 * travels in the clear, so it holds nothing a model could derive from the data: no row count (a hostile model chooses
 * its output's length from the cells); the row count travels sealed with the results ({@link
 * dev.veil.protocol.results.SealedResults}).
 */
public record ResultReceipt(String contractHash, String modelSha256, String inputCommitment, String outputCommitment,
                            String outputKind, String evidenceSha256, String issuedAt) {
    public static final String KIND = "veil.result-receipt.v3";
}
