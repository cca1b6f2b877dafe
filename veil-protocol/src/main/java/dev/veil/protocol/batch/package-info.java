/**
 * Receipts of a batch run on many enclave instances (Apache Spark executors): one receipt per partition, signed by
 * the instance that ran it, and one batch receipt whose Merkle root (RFC 9162 hashing) commits to all of them in
 * partition order. Checked offline by {@code veil verify-receipt}.
 */
package dev.veil.protocol.batch;
