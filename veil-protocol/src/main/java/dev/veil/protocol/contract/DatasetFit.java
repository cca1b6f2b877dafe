package dev.veil.protocol.contract;

import java.util.Arrays;
import java.util.List;

/**
 * Whether a dataset fits the contract's model, judged from the shape of one row (the dataset's shape without its
 * first axis, which holds the rows and fills the model's batch dimension). Veil feeds the model one float32 tensor,
 * converting every dataset's numbers to float32, so the model must take exactly one float32 input. The data provider
 * runs this before releasing its key; the enclave checks again on the data it actually receives.
 */
public final class DatasetFit {
    private DatasetFit() {
    }

    /** What does not fit, in one sentence, or null when rows of {@code rowShape} can be fed to the model. */
    public static String problem(ModelSignature signature, long[] rowShape) {
        List<ValueSignature> inputs = signature.inputs();
        if (inputs.size() != 1) {
            return "the contract's model takes " + inputs.size() + " inputs (" + String.join(", ",
                    inputs.stream().map(ValueSignature::toString).toList()) + "); Veil feeds exactly one tensor";
        }
        ValueSignature input = inputs.get(0);
        if (input.type() != ValueType.FLOAT32) {
            return "the contract's model input " + input + " is not float32; Veil feeds float32 tensors";
        }
        List<Dim> shape = input.shape();
        if (shape == null) {
            return null;
        }
        if (shape.isEmpty()) {
            return "the contract's model input " + input + " is a scalar; Veil feeds a batch of rows";
        }
        List<Dim> row = shape.subList(1, shape.size());
        boolean fits = row.size() == rowShape.length;
        for (int i = 0; fits && i < rowShape.length; i++) {
            fits = !(row.get(i) instanceof Dim.Fixed f) || f.size() == rowShape[i];
        }
        if (fits) {
            return null;
        }
        return "your dataset's rows have shape " + Arrays.toString(rowShape) + " but the contract's model input " + input
                + " takes rows of shape " + SignatureText.shape(row);
    }
}
