package dev.veil.cli;

import dev.veil.protocol.contract.MaxSizes;
import dev.veil.protocol.contract.ModelSignature;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --max-size NAME=N}, repeatable, as {@code contract draft} and {@code demo} take it. Parsed here rather than by
 * picocli's map option, which lets a repeated name silently replace the first size: a signed bound must be the one the
 * drafter meant, so a name given twice is refused.
 */
public final class MaxSizeOptions {
    private MaxSizeOptions() {
    }

    /** {@code signature} with the sizes given, or unchanged when none are; a mistake is one line naming the option. */
    public static ModelSignature apply(ModelSignature signature, List<String> given) throws CliFailure {
        if (given.isEmpty()) {
            return signature;
        }
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (String option : given) {
            int eq = option.lastIndexOf('=');
            long size;
            try {
                size = eq < 1 ? -1 : Long.parseLong(option.substring(eq + 1));
            } catch (NumberFormatException e) {
                size = -1;
            }
            if (size < 1) {
                throw new CliFailure("--max-size '" + option + "' is not NAME=N with N a whole number of 1 or more, e.g. "
                        + "sequence_length=128");
            }
            if (sizes.put(option.substring(0, eq), size) != null) {
                throw new CliFailure("--max-size gives '" + option.substring(0, eq) + "' twice; give each dimension once");
            }
        }
        try {
            return signature.withMaxSizes(MaxSizes.of(sizes));
        } catch (IllegalArgumentException e) {
            throw new CliFailure("--max-size: " + e.getMessage() + " (the model: " + signature + ")");
        }
    }
}
