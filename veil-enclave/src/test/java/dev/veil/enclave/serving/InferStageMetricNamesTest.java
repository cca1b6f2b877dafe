package dev.veil.enclave.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The per-stage timer ({@code veil_infer_stage}) shows every stage from the start, and its {@code stage} label only
 * ever takes one of {@link InferStage}'s fixed names: there is no way to give it another.
 */
class InferStageMetricNamesTest {
    private static final Pattern STAGE = Pattern.compile("veil_infer_stage_seconds_(?:count|sum|max)\\{stage=\"([^\"]*)\"");

    @Test
    void everyStageIsExposedBeforeAnyRequestUnderItsFixedName() {
        ServingMetrics metrics = new ServingMetrics();
        assertThat(stageLabels(metrics.scrape())).isEqualTo(fixedNames());
    }

    @Test
    void recordedStagesKeepTheFixedVocabulary() {
        ServingMetrics metrics = new ServingMetrics();
        for (InferStage s : InferStage.values()) {
            metrics.inferStage(s, 1_000_000L * (s.ordinal() + 1));
        }
        String text = metrics.scrape();
        assertThat(stageLabels(text)).isEqualTo(fixedNames());
        assertThat(text).contains("veil_infer_stage_seconds_count{stage=\"seal_answer\"} 1");
        assertThat(fixedNames()).containsExactlyInAnyOrder("open_request", "check_request", "read_inputs", "charge_budget",
                "wait_for_batch", "run_model", "resume_after_run", "encode_answer", "commit_and_log", "seal_answer", "write_answer");
        assertThat(fixedNames()).allMatch(n -> n.matches("[a-z_]+"));
    }

    static Set<String> stageLabels(String scrape) {
        Matcher m = STAGE.matcher(scrape);
        Set<String> labels = new java.util.TreeSet<>();
        while (m.find()) {
            labels.add(m.group(1));
        }
        return labels;
    }

    static Set<String> fixedNames() {
        return Arrays.stream(InferStage.values()).map(InferStage::label).collect(Collectors.toCollection(java.util.TreeSet::new));
    }
}
