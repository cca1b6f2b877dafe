package dev.veil.spark.job;

import dev.veil.attest.Platform;
import dev.veil.enclave.keys.InstanceKeyPairs;
import dev.veil.protocol.batch.BatchReceipt;
import dev.veil.protocol.batch.BatchReceiptFile;
import dev.veil.protocol.batch.DatasetManifest;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.receipt.SignedReceipt;
import java.io.IOException;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The driver as an enclave instance: it holds no provider key, but it decides what code the executors run and
 * signs the data provider's batch receipt, so it runs in a TEE too (docs/SCALE-OUT.md) and its key is attested by
 * evidence of the same measurement as the executors'. It is made before the Spark application starts, whose RPC
 * identity it holds ({@link #sparkSettings}), and serves every job of that application under its contract.
 *
 * <p>Its statement ({@link DriverStatement}) ties its TLS certificate to its attested key, so that an executor obeys
 * only a driver holding that key ({@link DriverConnection}). An executor running in this very JVM (a local master)
 * has no connection to check: {@link #inThisJvm} tells it so.
 */
public final class DriverInstance implements AutoCloseable {
    /** The statements of the driver instances open in this JVM (their SHA-256), to the contract each serves. */
    private static final Map<String, String> OPEN = new java.util.concurrent.ConcurrentHashMap<>();
    private final ContractVerifier.Verified contract;
    private final byte[] signedContract;
    private final InstanceKeyPairs keys;
    private final ReceiptKeys receipts;
    private final DriverTls tls;
    private final byte[] statement;

    /** Verifies {@code signed} (both providers' signatures, its dates) and makes the driver instance of it. */
    public DriverInstance(SignedContract signed) throws IOException, ProtocolException {
        this.signedContract = Json.canonical(signed);
        this.contract = ContractVerifier.verify(signed, Instant.now());
        if (contract.contract().enclave().referenceValues().platform() != Platform.SIM) {
            // its TLS key store is written to its temporary directory (DriverTls), and native libraries unpacked there
            try {
                MemoryBackedDirectory.requireTemporaryDirectory("the driver's temporary directory");
            } catch (MemoryBackedDirectory.NotMemoryBacked e) {
                throw new ProtocolException(e.getMessage());
            }
        }
        this.keys = new InstanceKeyPairs(contract.contract().keyWrap());
        this.receipts = new ReceiptKeys(contract, keys, BatchEvidence.forContract(contract));
        this.tls = new DriverTls();
        this.statement = Json.canonical(receipts.sign(DriverStatement.KIND, new DriverStatement(contract.hashHex(),
                contract.contract().model().sha256(), tls.certificateSha256(), receipts.evidenceSha256(), Instant.now().toString())));
        OPEN.put(Digests.hex(Digests.sha256(statement)), contract.hashHex());
    }

    /**
     * The Spark settings of the application this driver runs: its RPC over TLS under this driver's key, and the signed
     * contract and this driver's statement, start-up settings that every executor Veil's launcher starts checks before it
     * connects ({@link DriverAtStart}). Neither is secret: the contract names no key, the statement only public ones.
     */
    public Map<String, String> sparkSettings() {
        Map<String, String> s = new LinkedHashMap<>(tls.sparkSettings());
        s.put(DriverAtStart.CONTRACT_SETTING, Base64.getEncoder().encodeToString(signedContract));
        s.put(DriverAtStart.STATEMENT_SETTING, Base64.getEncoder().encodeToString(statement));
        // the providers an executor serves and its TEE, in its environment: a deployment that pins the environment (a
        // confidential container's policy) pins them there, and these values must then be the same
        s.put("spark.executorEnv." + DriverAtStart.PROVIDERS_ENVIRONMENT, DriverAtStart.providers(contract));
        s.put("spark.executorEnv." + DriverAtStart.PLATFORM_ENVIRONMENT, DriverAtStart.platform(contract));
        return s;
    }

    ContractVerifier.Verified contract() {
        return contract;
    }

    /** The signed statement the attestation stage carries to every executor (canonical JSON of a signed receipt). */
    byte[] statement() {
        return statement.clone();
    }

    /**
     * Whether {@code statement} is the statement of a driver instance of {@code contract} open in this JVM: an executor
     * here takes its tasks from that driver without a connection.
     */
    static boolean inThisJvm(byte[] statement, ContractVerifier.Verified contract) {
        return contract.hashHex().equals(OPEN.get(Digests.hex(Digests.sha256(statement))));
    }

    /** The batch receipt of {@code rows} rows of {@code dataset} over these partition receipts, in partition order. */
    BatchReceiptFile batchReceipt(DatasetManifest dataset, long rows, List<SignedReceipt> partitions) {
        BatchReceipt r = new BatchReceipt(contract.hashHex(), contract.contract().model().sha256(), dataset.datasetId(),
                dataset.sha256Hex(), rows, partitions.size(), BatchReceiptFile.merkleRoot(partitions), receipts.evidenceSha256(),
                Instant.now().toString());
        return new BatchReceiptFile(receipts.sign(BatchReceipt.KIND, r), partitions);
    }

    @Override
    public void close() {
        OPEN.remove(Digests.hex(Digests.sha256(statement)));
        keys.close();
        tls.close();
    }
}
