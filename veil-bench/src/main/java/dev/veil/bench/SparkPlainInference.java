package dev.veil.bench;

import dev.veil.spark.parquet.RowCells;
import dev.veil.tensor.NamedTensors;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The plaintext job's partition: what {@code PartitionInference} does for the confidential job — rows in order, runs
 * of {@code rowsPerRun} cells joined into one batch, one output cell per row — with plain ONNX Runtime in the executor
 * ({@link SparkPlainModel}) and no attestation, commitments, receipts or encryption.
 *
 * <p>The model is loaded once per executor and job, as a job submitted on its own would load it (each {@code veil batch}
 * is its own Spark application, whose executors load the model once): the benchmark runs every job in one application
 * to keep the executors' JIT warm, and a session kept across its jobs would give the plaintext side a load that no
 * single job gets. The confidential job loads its model once per executor and job too (a fresh instance per job).
 */
final class SparkPlainInference implements FlatMapFunction<Iterator<Row>, Row> {
    private static final long serialVersionUID = 1L;
    /** The job whose model this executor holds, and the model (guarded by the class). */
    private static String loadedFor;
    private static SparkPlainModel loaded;
    private final String jobId;
    private final byte[] model;
    private final int rowsPerRun;

    SparkPlainInference(String jobId, byte[] model, int rowsPerRun) {
        this.jobId = jobId;
        this.model = model.clone();
        this.rowsPerRun = rowsPerRun;
    }

    /** This job's model in this executor: loaded at the job's first partition here, the previous job's closed. */
    private static synchronized SparkPlainModel modelOf(String jobId, byte[] model) throws Exception {
        if (!jobId.equals(loadedFor)) {
            if (loaded != null) {
                loaded.close();
            }
            loaded = null;
            loadedFor = null;   // a load that fails leaves no job's model named
            loaded = new SparkPlainModel(model);
            loadedFor = jobId;
        }
        return loaded;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) throws Exception {
        SparkPlainModel m = modelOf(jobId, model);
        List<Row> results = new ArrayList<>();
        List<Long> indices = new ArrayList<>();
        List<byte[]> cells = new ArrayList<>();
        while (input.hasNext()) {
            Row r = input.next();
            indices.add(r.getLong(0));
            cells.add((byte[]) r.get(1));
            if (cells.size() == rowsPerRun) {
                run(m, indices, cells, results);
            }
        }
        if (!cells.isEmpty()) {
            run(m, indices, cells, results);
        }
        return results.iterator();
    }

    private static void run(SparkPlainModel m, List<Long> indices, List<byte[]> cells, List<Row> results) throws Exception {
        NamedTensors outputs = m.run(RowCells.join(cells));
        List<byte[]> rows = RowCells.split(outputs);
        for (int i = 0; i < rows.size(); i++) {
            results.add(RowFactory.create(indices.get(i), rows.get(i)));
        }
        indices.clear();
        cells.clear();
    }
}
