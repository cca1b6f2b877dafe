package dev.veil.protocol.receipt;

/**
 * What the enclave attests about a finished inference: under which contract, which model and which input it ran, what
 * it produced, and which evidence the data provider verified. Digests are SHA-256 hex of plaintext bytes.
 */
public record ResultReceipt(String contractHash, String modelSha256, String inputSha256, String outputSha256,
                            String outputKind, long rows, String evidenceSha256, String issuedAt) {
    public static final String KIND = "veil.result-receipt.v1";
}
