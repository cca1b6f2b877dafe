package dev.veil.spark.job;

import dev.veil.protocol.receipt.ReceiptVerifier;

/**
 * What the attested driver of a batch tells its executors, signed with its attested instance key: which contract it
 * drives and the certificate its Spark RPC presents ({@link DriverTls}). Each executor checks it like a receipt (the
 * signature, the key's evidence against the contract's measurement, the dates) before it attests, and checks that its
 * own Spark RPC trusts that certificate alone ({@link DriverConnection}).
 */
record DriverStatement(String contractHash, String modelSha256, String tlsCertificateSha256, String evidenceSha256, String issuedAt) {
    static final String KIND = "veil.spark-driver.v1";

    ReceiptVerifier.CommonFields common() {
        return new ReceiptVerifier.CommonFields(contractHash, modelSha256, evidenceSha256, issuedAt);
    }
}
