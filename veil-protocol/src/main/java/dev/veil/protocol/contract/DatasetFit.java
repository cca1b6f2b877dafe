package dev.veil.protocol.contract;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether a dataset fits the contract's model. A CSV or .npy dataset is judged from the shape of one row (the
 * dataset's shape without its first axis, which holds the rows and fills the model's batch dimension): Veil converts
 * its numbers to float32 and feeds them as the model's one float32 input. Named arrays (an .npz, or a serving request)
 * are judged by name, element type, rank and fixed sizes against every model input, and a free dimension the model
 * names (e.g. the sequence length of {@code input_ids} and {@code attention_mask}) must have one size across them. The
 * data provider runs this before releasing its key; the enclave checks again on the data it actually receives, before
 * the model sees it, so a mismatch is Veil's one line and never ONNX Runtime's text.
 */
public final class DatasetFit {
    private DatasetFit() {
    }

    /** One array the data provider gives: its name, element type and whole shape (rows first, in a batch dataset). */
    public record Given(String name, ValueType type, long[] shape) {
        public Given {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    /**
     * What does not fit, in one sentence naming the input, what the contract expects and what was found; or null when
     * {@code given} is exactly the model's inputs: each once by name, of its element type, rank and fixed sizes, and
     * each named free dimension of one size wherever it appears.
     */
    public static String problem(ModelSignature signature, List<Given> given) {
        return problem(signature, given, false);
    }

    /** With {@code rowsAxis}, the first axis holds rows, cut into batches of a fixed batch dimension's size. */
    private static String problem(ModelSignature signature, List<Given> given, boolean rowsAxis) {
        Map<String, Given> byName = new HashMap<>();
        for (Given g : given) {
            if (byName.put(g.name(), g) != null) {
                return "your data has two arrays named '" + SignatureText.printable(g.name()) + "'; give each input once";
            }
            if (signature.inputs().stream().noneMatch(v -> v.name().equals(g.name()))) {
                return "your data has an array '" + SignatureText.printable(g.name()) + "' but the contract's model has no input"
                        + " of that name; it takes " + names(signature.inputs());
            }
        }
        Map<String, long[]> freeSizes = new HashMap<>();
        for (ValueSignature input : signature.inputs()) {
            Given g = byName.get(input.name());
            if (g == null) {
                return "your data has no array '" + SignatureText.printable(input.name()) + "' for the contract's model input "
                        + input;
            }
            if (g.type() != input.type()) {
                return found(g, input) + ": the element type differs";
            }
            List<Dim> shape = input.shape();
            if (shape == null) {
                continue;
            }
            if (shape.size() != g.shape().length) {
                return found(g, input) + ": the rank differs";
            }
            for (int i = 0; i < shape.size(); i++) {
                long size = g.shape()[i];
                if (shape.get(i) instanceof Dim.Fixed f && f.size() != size && !(rowsAxis && i == 0)) {
                    return found(g, input) + ": dimension " + i + " must be " + f.size();
                }
                String beyond = i == 0 ? null : beyondMaxSize(signature, shape.get(i), size);
                if (beyond != null) {
                    return found(g, input) + ": dimension " + i + beyond;
                }
                if (shape.get(i) instanceof Dim.Free free && free.name() != null) {
                    long[] seen = freeSizes.putIfAbsent(free.name(), new long[] {size, i});
                    if (seen != null && seen[0] != size) {
                        return found(g, input) + ": dimension " + i + " ('" + SignatureText.printable(free.name()) + "') is " + size
                                + " here but " + seen[0] + " in an earlier array; the model needs one size for it";
                    }
                }
            }
        }
        return null;
    }

    /** The start of a refusal naming the array and the input; built only when refusing (the check runs on every call). */
    private static String found(Given g, ValueSignature input) {
        return "your array '" + SignatureText.printable(g.name()) + "' is " + g.type().id() + " "
                + Arrays.toString(g.shape()) + " but the contract's model input is " + input;
    }

    /**
     * {@link #problem(ModelSignature, List)} for a batch dataset of named arrays: also, every array holds rows along
     * its first axis, the same number in each.
     */
    public static String batchProblem(ModelSignature signature, List<Given> given) {
        Given first = null;
        for (Given g : given) {
            if (g.shape().length == 0) {
                return "your array '" + SignatureText.printable(g.name()) + "' is a scalar; a batch dataset holds rows along"
                        + " the first axis of every array";
            }
            if (first == null) {
                first = g;
            } else if (g.shape()[0] != first.shape()[0]) {
                return "your arrays hold different numbers of rows: '" + SignatureText.printable(first.name()) + "' "
                        + first.shape()[0] + ", '" + SignatureText.printable(g.name()) + "' " + g.shape()[0]
                        + "; every array of a batch dataset holds the same rows along its first axis";
            }
        }
        return problem(signature, given, true);
    }

    /**
     * Whether the contract's output policy fits the dataset's kind, or null: an .npz of named arrays gives every output
     * by name ({@code npz}); rows of CSV or .npy give labels, top_k or scores.
     */
    public static String outputProblem(OutputPolicy output, boolean namedArrays) {
        boolean npz = output.kind().equals(OutputPolicy.NPZ);
        if (namedArrays && !npz) {
            return "your dataset is an .npz of named arrays, which gives every output by name, but the contract's output"
                    + " policy is " + output.kind() + "; the contract needs output npz";
        }
        if (!namedArrays && npz) {
            return "the contract's output policy npz gives every output by name for an .npz dataset; give your dataset as"
                    + " .npz, one array per input name";
        }
        return null;
    }

    private static String names(List<ValueSignature> values) {
        return String.join(", ", values.stream().map(v -> "'" + SignatureText.printable(v.name()) + "'").toList());
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
            return "the contract's model input " + input + " is not float32; CSV and .npy feed float32 tensors: give an .npz"
                    + " holding an array of that name and type";
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
        if (!fits) {
            return rowsFound(rowShape, input) + " takes rows of shape " + SignatureText.shape(row);
        }
        for (int i = 0; i < rowShape.length; i++) {
            String beyond = beyondMaxSize(signature, row.get(i), rowShape[i]);
            if (beyond != null) {
                return rowsFound(rowShape, input) + ": row dimension " + i + beyond;
            }
        }
        return null;
    }

    private static String rowsFound(long[] rowShape, ValueSignature input) {
        return "your dataset's rows have shape " + Arrays.toString(rowShape) + " but the contract's model input " + input;
    }

    /**
     * Why {@code size} along a dimension after the first is more than the contract lets a row hold, or null. A free one
     * takes at most its max size ({@link MaxSizes}); one without a max size is not fed at all, so a signature that never
     * passed a contract verifier bounds nothing by mistake.
     */
    private static String beyondMaxSize(ModelSignature signature, Dim dim, long size) {
        if (!(dim instanceof Dim.Free free)) {
            return null;
        }
        long max = signature.maxSize(free.name());
        String named = free.name() == null ? "" : " ('" + SignatureText.printable(free.name()) + "')";
        if (max < 1) {
            return named + " is free and the contract gives it no max size, so Veil feeds it nothing";
        }
        if (size > max) {
            return named + " is " + size + ", more than the contract's max size " + max + " for it; cut or split your rows"
                    + " to at most " + max;
        }
        return null;
    }
}
