package dev.veil.spark.job;

import dev.veil.enclave.inference.InferenceException;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.protocol.receipt.ReceiptVerifier;
import dev.veil.protocol.receipt.SignedReceipt;
import java.security.MessageDigest;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.apache.spark.SparkEnv;

/**
 * An executor attests only for the attested driver of its contract. Spark's driver decides what every task does with the rows
 * an instance decrypts, and the cluster manager decides which driver an executor registers with; so before an executor
 * attests to any broker, it checks that the driver it takes tasks from holds the key of an attested driver of the same
 * contract: the driver's signed statement ({@link DriverStatement}) verifies as a receipt does (its signing key attested
 * by evidence of the contract's measurement), and this executor's Spark connections trust exactly the certificate the
 * statement names ({@link SparkRpcTrust}), so TLS has proved that the server every task came from holds its key.
 * Anything else fails with {@code driver_not_attested} and no broker is asked.
 *
 * <p>An executor started by Veil's launcher ({@link ExecutorLaunch}) makes the same check at its start, before it takes
 * any task, and then attests only for the driver and contract it checked there. In an executor started otherwise
 * (Spark's own executor) the check runs only in a Veil task, and Spark lets a driver run code of its own on its
 * executors, which need not call it (docs/SCALE-OUT.md, trust model).
 *
 * <p>An executor in the driver's own JVM (a local master) has no connection to check; it is recognised by the driver
 * instance open in this JVM ({@link DriverInstance#inThisJvm}), never by the executor id, which the cluster manager
 * gives.
 */
final class DriverConnection {
    private DriverConnection() {
    }

    /**
     * In a task: the executor's driver is the attested driver {@code statement} names, of {@code contract}; and, when Veil's
     * launcher started this executor, the very driver and contract it was checked against there ({@link ExecutorLaunch}).
     */
    static void requireAttestedDriver(ContractVerifier.Verified contract, byte[] statement) throws InferenceException {
        if (DriverInstance.inThisJvm(statement, contract)) {
            return;
        }
        Optional<ExecutorLaunch.Launched> launched = ExecutorLaunch.launched();
        if (launched.isPresent() && !launched.get().isFor(contract, statement)) {
            throw refused("this executor was launched for another contract or another driver");
        }
        SparkEnv env = SparkEnv.get();
        if (env == null) {
            throw refused("this executor runs no Spark connection to tie to the driver");
        }
        requireAttestedDriver(contract, statement, env);
    }

    /** {@code statement} verifies for {@code contract}, and {@code env}'s Spark connections trust its certificate alone. */
    static void requireAttestedDriver(ContractVerifier.Verified contract, byte[] statement, SparkEnv env) throws InferenceException {
        requireOnlyTrusted(env, verifiedStatement(contract, statement).tlsCertificateSha256());
    }

    /**
     * At an executor's start ({@link ExecutorLaunch}), before its block transfer service exists: {@code statement}
     * verifies for {@code contract}, and {@code env}'s RPC trusts its certificate alone. Returns that certificate's
     * SHA-256 (hex), which the block transfer must trust alone once it started ({@link #requireOnlyTrusted}).
     */
    static String requireAttestedDriverAtStart(ContractVerifier.Verified contract, byte[] statement, SparkEnv env)
            throws InferenceException {
        DriverStatement s = verifiedStatement(contract, statement);
        try {
            requireOnly(SparkRpcTrust.rpcTrusted(env), s.tlsCertificateSha256());
        } catch (SparkRpcTrust.Untrusted e) {
            throw refused(e.getMessage());
        }
        return s.tlsCertificateSha256();
    }

    /** Both of {@code env}'s Spark connections (RPC, block transfer) trust the certificate of SHA-256 {@code certificateSha256} alone. */
    static void requireOnlyTrusted(SparkEnv env, String certificateSha256) throws InferenceException {
        try {
            requireOnly(SparkRpcTrust.trusted(env), certificateSha256);
        } catch (SparkRpcTrust.Untrusted e) {
            throw refused(e.getMessage());
        }
    }

    /** {@code statement}, once it verifies for {@code contract} as a receipt of the contract's attested driver does. */
    static DriverStatement verifiedStatement(ContractVerifier.Verified contract, byte[] statement) throws InferenceException {
        try {
            SignedReceipt signed = Json.parse(statement, SignedReceipt.class, "driver statement");
            return ReceiptVerifier.verifyKind(signed, contract, Instant.now(), DriverStatement.KIND, DriverStatement.class,
                    DriverStatement::common);
        } catch (ProtocolException | RuntimeException e) {
            throw refused("the driver's statement does not verify for this contract");
        }
    }

    private static void requireOnly(List<X509Certificate> trusted, String certificateSha256) throws InferenceException {
        if (trusted.size() != 1 || !sameDigest(trusted.get(0), certificateSha256)) {
            throw refused("this executor's Spark connections trust " + trusted.size()
                    + " certificate(s), not only the attested driver's");
        }
    }

    /** Whether {@code cert}'s SHA-256 is {@code expectedHex} (compared in constant time). */
    static boolean sameDigest(X509Certificate cert, String expectedHex) {
        try {
            byte[] expected = HexFormat.of().parseHex(expectedHex);
            return MessageDigest.isEqual(Digests.sha256(cert.getEncoded()), expected);
        } catch (CertificateEncodingException | IllegalArgumentException e) {
            return false;
        }
    }

    private static InferenceException refused(String why) {
        return new InferenceException(FailureCode.DRIVER_NOT_ATTESTED, why);
    }
}
