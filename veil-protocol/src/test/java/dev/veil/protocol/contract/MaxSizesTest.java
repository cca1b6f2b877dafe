package dev.veil.protocol.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The signature's {@code max_sizes} bound what one row may carry along each free dimension after the first: they are
 * signed, so they are parsed as strictly as the rest, and checked on every row the model is fed ({@link DatasetFit}).
 */
class MaxSizesTest {
    private static final String INPUTS = "\"inputs\":[{\"name\":\"input_ids\",\"shape\":[\"batch\",\"sequence\"],\"type\":\"int64\"}]";
    private static final String OUT = "\"outputs\":[{\"name\":\"y\",\"shape\":[\"batch\",\"sequence\",384],\"type\":\"float32\"}]";

    private static ModelSignature parse(String maxSizes) throws ProtocolException {
        return Json.parse(("{" + INPUTS + ",\"max_sizes\":" + maxSizes + "," + OUT + "}").getBytes(StandardCharsets.UTF_8),
                ModelSignature.class, "signature");
    }

    @Test
    void maxSizesRoundTripCanonicallyAndAbsentOnesStayAbsent() throws Exception {
        ModelSignature s = parse("{\"sequence\":128}");
        assertThat(s.maxSize("sequence")).isEqualTo(128);
        assertThat(s.maxSize("batch")).isEqualTo(-1);
        assertThat(new String(Json.canonical(s), StandardCharsets.UTF_8))
                .isEqualTo("{" + INPUTS + ",\"max_sizes\":{\"sequence\":128}," + OUT + "}");
        assertThat(s).hasToString("inputs 'input_ids' int64 [batch, sequence]; outputs 'y' float32 [batch, sequence, 384];"
                + " max sizes sequence 128");
        ModelSignature none = Json.parse(("{" + INPUTS + "," + OUT + "}").getBytes(StandardCharsets.UTF_8), ModelSignature.class, "s");
        assertThat(new String(Json.canonical(none), StandardCharsets.UTF_8)).doesNotContain("max_sizes");
    }

    @Test
    void aSizeForNoFreeLaterDimensionIsRefusedSoATypoCannotLeaveOneUnbounded() {
        for (String name : List.of("batch", "Sequence", "y")) {
            assertThatThrownBy(() -> parse("{\"" + name + "\":128}")).as(name).isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("max_sizes names '" + name + "', which is no free dimension after the first");
        }
    }

    @Test
    void sizesOutOfRangeOrOfAnotherJsonTypeAreRefused() {
        for (String bad : List.of("{\"sequence\":0}", "{\"sequence\":-1}", "{\"sequence\":2147483648}", "{\"sequence\":128.0}",
                "{\"sequence\":\"128\"}", "{\"sequence\":null}", "{}", "[128]", "128")) {
            assertThatThrownBy(() -> parse(bad)).as(bad).isInstanceOf(ProtocolException.class);
        }
    }

    @Test
    void aDuplicateNameCannotHideASecondSize() {
        assertThatThrownBy(() -> parse("{\"sequence\":8,\"sequence\":100000}")).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("sequence");
    }

    @Test
    void rowsAreCheckedAgainstTheMaxSizeAlongEveryFreeLaterDimension() throws Exception {
        ModelSignature s = parse("{\"sequence\":128}");
        assertThat(DatasetFit.problem(s, List.of(new DatasetFit.Given("input_ids", ValueType.INT64, new long[] {8, 128})))).isNull();
        assertThat(DatasetFit.problem(s, List.of(new DatasetFit.Given("input_ids", ValueType.INT64, new long[] {1, 129}))))
                .endsWith("dimension 1 ('sequence') is 129, more than the contract's max size 128 for it; cut or split your rows"
                        + " to at most 128");
        assertThat(DatasetFit.batchProblem(s, List.of(new DatasetFit.Given("input_ids", ValueType.INT64, new long[] {100000, 128}))))
                .as("the first dimension is rows, which max_rows bounds").isNull();
    }

    @Test
    void aSignatureWithoutSizesFeedsNoFreeLaterDimension() throws Exception {
        ModelSignature none = Json.parse(("{" + INPUTS + "," + OUT + "}").getBytes(StandardCharsets.UTF_8), ModelSignature.class, "s");
        assertThat(DatasetFit.problem(none, List.of(new DatasetFit.Given("input_ids", ValueType.INT64, new long[] {1, 2}))))
                .contains("dimension 1 ('sequence') is free and the contract gives it no max size");
        ModelSignature rows = new ModelSignature(List.of(ValueSignature.tensor("x", ValueType.FLOAT32, Dim.free("N"), Dim.free("L"))),
                List.of(ValueSignature.tensor("y", ValueType.FLOAT32, Dim.free("N"))));
        assertThat(DatasetFit.problem(rows, new long[] {5})).contains("row dimension 0 ('L') is free and the contract gives it no max size");
        assertThat(DatasetFit.problem(rows.withMaxSizes(MaxSizes.of(java.util.Map.of("L", 4L))), new long[] {5}))
                .contains("row dimension 0 ('L') is 5, more than the contract's max size 4");
    }
}
