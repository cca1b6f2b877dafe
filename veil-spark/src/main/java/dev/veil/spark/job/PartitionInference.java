package dev.veil.spark.job;

import dev.veil.enclave.inference.InferenceException;
import dev.veil.spark.parquet.RowCells;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.TensorFormatException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The work of one partition, run in an executor that is an attested enclave instance: rows in input order, runs of at
 * most {@code rowsPerRun} rows through the contract's model in the inference worker, one output row per input row
 * with the input's row index. A failure is Veil's own sentence, never ONNX Runtime's text nor a cell's value.
 */
public final class PartitionInference implements FlatMapFunction<Iterator<Row>, Row> {
    private static final long serialVersionUID = 1L;
    private final BatchTerms terms;

    public PartitionInference(BatchTerms terms) {
        this.terms = terms;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) throws Exception {
        ExecutorInstance instance = ExecutorInstance.forJob(terms);
        List<Row> out = new ArrayList<>();
        List<Long> indices = new ArrayList<>();
        List<byte[]> cells = new ArrayList<>();
        while (input.hasNext()) {
            Row r = input.next();
            indices.add(r.getLong(0));
            cells.add((byte[]) r.get(1));
            if (cells.size() == terms.rowsPerRun()) {
                run(instance, indices, cells, out);
            }
        }
        if (!cells.isEmpty()) {
            run(instance, indices, cells, out);
        }
        return out.iterator();
    }

    private static void run(ExecutorInstance instance, List<Long> indices, List<byte[]> cells, List<Row> out)
            throws InferenceException {
        NamedTensors outputs;
        try {
            NamedTensors batch = RowCells.join(cells);
            outputs = instance.runner().run(batch);
            batch.wipe();
        } catch (TensorFormatException e) {
            throw new InferenceException(dev.veil.protocol.receipt.FailureCode.DATASET_INVALID,
                    "a row of the dataset is not a tensor cell Veil wrote");
        }
        List<byte[]> results = RowCells.split(outputs);
        outputs.wipe();
        if (results.size() != cells.size()) {
            throw new InferenceException(dev.veil.protocol.receipt.FailureCode.INFERENCE_FAILED,
                    "the model's outputs do not have one row per input row");
        }
        for (int i = 0; i < results.size(); i++) {
            out.add(RowFactory.create(indices.get(i), results.get(i)));
        }
        indices.clear();
        cells.clear();
    }
}
