package dev.veil.bench;

import dev.veil.protocol.json.Digests;
import dev.veil.spark.parquet.RowCells;
import dev.veil.tensor.NamedTensors;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The plaintext job's partition: what {@code PartitionInference} does for the confidential job — rows in order, runs
 * of {@code rowsPerRun} cells joined into one batch, one output cell per row — with plain ONNX Runtime in the executor
 * ({@link SparkPlainModel}, loaded once per executor JVM) and no attestation, commitments, receipts or encryption.
 */
final class SparkPlainInference implements FlatMapFunction<Iterator<Row>, Row> {
    private static final long serialVersionUID = 1L;
    private static final Map<String, SparkPlainModel> MODELS = new ConcurrentHashMap<>();
    private final byte[] model;
    private final int rowsPerRun;

    SparkPlainInference(byte[] model, int rowsPerRun) {
        this.model = model.clone();
        this.rowsPerRun = rowsPerRun;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) throws Exception {
        SparkPlainModel m = MODELS.computeIfAbsent(Digests.hex(Digests.sha256(model)), k -> {
            try {
                return new SparkPlainModel(model);
            } catch (ai.onnxruntime.OrtException e) {
                throw new IllegalStateException("plain ONNX Runtime cannot load the model: " + e.getMessage(), e);
            }
        });
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
