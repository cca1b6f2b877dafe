package dev.veil.spark.job;

import dev.veil.enclave.inference.InferenceException;
import dev.veil.protocol.batch.BatchCommitments;
import dev.veil.protocol.batch.DatasetManifest;
import dev.veil.protocol.batch.PartitionReceipt;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.protocol.receipt.ResultCommitments;
import dev.veil.spark.parquet.BoundDatasetDecryption;
import dev.veil.spark.parquet.RowCells;
import dev.veil.spark.parquet.TaskKeyServices;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.TensorFormatException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.CollectionAccumulator;

/**
 * The work of one partition, run in an executor that attested as an enclave instance in the job's attestation stage
 * ({@link InstanceAttestation}; an executor that did not fails the partition with {@code instance_not_attested}): rows in input order, runs of at
 * most {@code rowsPerRun} rows through the contract's model in the inference worker, one output row per input row
 * with the input's row index, the partition and the partition's commitment salt (both inside the encrypted results).
 * The task decrypts its files only under this instance's own key service, and only while it reads its input, which it
 * reads whole before it returns ({@link TaskKeyServices}).
 * The instance signs a {@link PartitionReceipt} committing to the partition's input and output rows (a partition of no
 * rows has none). The contract's output policy is applied to every run ({@link PolicyOutputs}), each run is bounded by
 * the instance's time budget, and a failure leaves as a fixed code ({@link PartitionFailure}). The model runs one group
 * of rows ahead of the reading ({@link RunAhead}): Parquet's decryption of the next group overlaps the model's run.
 */
public final class PartitionInference implements FlatMapFunction<Iterator<Row>, Row> {
    private static final long serialVersionUID = 1L;
    /**
     * The job this partition belongs to, by its id only: the instance that runs it was made in the attestation stage,
     * which alone is shipped the terms (with the sealed model); so this stage carries neither the model nor the brokers.
     */
    private final String jobId;
    /** The dataset the driver admitted: the instance decrypts only files bound to it, and names it in its receipts. */
    private final DatasetManifest dataset;
    /** Its files' paths as the driver listed them: a file is decrypted only at one of these. */
    private final List<String> files;
    private final CollectionAccumulator<byte[]> reports;

    public PartitionInference(String jobId, DatasetManifest dataset, List<String> files, CollectionAccumulator<byte[]> reports) {
        this.jobId = jobId;
        this.dataset = dataset;
        this.files = List.copyOf(files);
        this.reports = reports;
    }

    /**
     * The partition's rows with results, or, when anything fails, a {@link PartitionFailure} carrying only Veil's
     * failure code: the failure's own exception (ONNX Runtime's text as a cause, a sentence naming a shape) is dropped
     * here, inside the instance. Spark's kill of the task (a speculative copy not needed, a job cancelled) is passed
     * on as Spark's own.
     */
    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        try {
            return results(input);
        } catch (Throwable e) {   // whatever it was, its text stays here
            throw PartitionFailure.leaving(e);
        }
    }

    private Iterator<Row> results(Iterator<Row> input) throws Exception {
        // attested in the job's attestation stage, before any row was read; never here (ExecutorInstance.attested)
        ExecutorInstance instance = ExecutorInstance.attested(jobId);
        // before the first file opens: each is decrypted only at a path the driver listed, as the file of this dataset its
        // name says (FileBinding), and only under this instance's own key service, whatever name the driver's read options
        // give (another job's instance in this JVM has its own: TaskKeyServices)
        BoundDatasetDecryption.register(instance.datasetKeyService(), dataset, files);
        int partition = TaskContext.getPartitionId();
        byte[] salt = ResultCommitments.newSalt();
        BatchCommitments in = BatchCommitments.input(salt);
        BatchCommitments out = BatchCommitments.output(salt);
        List<Row> results = new ArrayList<>();
        // the results' bytes this partition holds, against what the executor may hold, given back when the task ends
        ResultBudget.Share held = new ResultBudget.Share();
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) done -> held.close());
        }
        List<Long> indices = new ArrayList<>();
        List<byte[]> cells = new ArrayList<>();
        // one run ahead: while the model runs on a group of rows, this thread reads and decrypts the next group. The task
        // decrypts only while this reads its input (TaskKeyServices): a file the task opens beside it, before or after,
        // is refused, so the driver cannot have the task hand Spark a read's plaintext rows beside the model's
        TaskKeyServices.Read read = TaskKeyServices.bind(instance.datasetKeyService(), instance.datasetKeys());
        try (read; RunAhead ahead = new RunAhead()) {
            while (input.hasNext()) {
                Row r = input.next();
                instance.rowLimit().take();   // limits.max_rows: before the model sees the row
                long index = r.getLong(0);
                byte[] cell = (byte[]) r.get(1);
                in.add(index, cell);
                indices.add(index);
                cells.add(cell);
                if (cells.size() == instance.rowsPerRun()) {
                    collect(ahead.next(indices, run(instance, cells)), out, partition, salt, results, held);
                    indices = new ArrayList<>();
                    cells = new ArrayList<>();
                }
            }
            if (!cells.isEmpty()) {
                collect(ahead.next(indices, run(instance, cells)), out, partition, salt, results, held);
            }
            collect(ahead.last(), out, partition, salt, results, held);
        }
        if (results.isEmpty()) {
            // a split holding no row group (Spark cuts files by bytes) has nothing to commit to: it gets no receipt
            return results.iterator();
        }
        var c = instance.contract();
        PartitionReceipt receipt = new PartitionReceipt(c.hashHex(), c.contract().model().sha256(), dataset.datasetId(), partition,
                results.size(), in.hex(), out.hex(), instance.receipts().evidenceSha256(), Instant.now().toString());
        reports.add(Json.canonical(instance.receipts().sign(PartitionReceipt.KIND, receipt)));
        return results.iterator();
    }

    /**
     * The model's run on {@code cells}, to be done by {@link RunAhead}: the cells joined into one batch, the run, the
     * contract's output policy, one output cell per input row.
     */
    private static RunAhead.Run run(ExecutorInstance instance, List<byte[]> cells) {
        return () -> {
            NamedTensors outputs = null;
            try {
                NamedTensors batch = RowCells.join(cells);
                NamedTensors raw = instance.run(batch);
                batch.wipe();
                try {
                    outputs = PolicyOutputs.apply(instance.contract().contract().output(), raw, cells.size());
                } finally {
                    if (outputs != raw) {
                        raw.wipe();
                    }
                }
            } catch (TensorFormatException e) {
                throw new InferenceException(FailureCode.DATASET_INVALID, "a row of the dataset is not a tensor cell Veil wrote");
            }
            List<byte[]> rows;
            try {
                rows = RowCells.split(outputs);
            } catch (IllegalArgumentException e) {
                throw new InferenceException(FailureCode.INFERENCE_FAILED, "the model's outputs do not have one row per input row");
            } finally {
                outputs.wipe();
            }
            if (rows.size() != cells.size()) {
                throw new InferenceException(FailureCode.INFERENCE_FAILED, "the model's outputs do not have one row per input row");
            }
            return rows;
        };
    }

    /**
     * A finished run's output cells, committed to and added to the results in input order; nothing for no run. Past
     * what the executor may hold of results ({@link ResultBudget}), {@code limit_exceeded}.
     */
    private static void collect(RunAhead.Done done, BatchCommitments out, int partition, byte[] salt, List<Row> results,
                                ResultBudget.Share held) throws InferenceException {
        if (done == null) {
            return;
        }
        long bytes = 0;
        for (byte[] row : done.rows()) {
            bytes += row.length;
        }
        held.take(bytes);
        for (int i = 0; i < done.rows().size(); i++) {
            long index = done.indices().get(i);
            out.add(index, done.rows().get(i));
            results.add(RowFactory.create(index, done.rows().get(i), partition, salt));
        }
    }
}
