package dev.veil.cli.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.enclave.serving.InferStage;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over real sockets: each answered request is timed in every enclave stage up to its sealing
 * ({@code veil_infer_stage}, the breakdown of {@code veil_infer_outside_model} and of the model's wait and run), and
 * whatever the requests carried (two data providers, garbage bytes), the {@code stage} label takes only the fixed
 * stage names.
 */
class ServingStageMetricTest {
    private static final Pattern STAGE = Pattern.compile("veil_infer_stage_seconds_count\\{stage=\"([^\"]*)\"\\} (\\S+)");

    @Test
    void answeredRequestsAreTimedInEveryStageUnderFixedNamesOnly(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir)) {
            f.provision(f.client());
            f.client().infer(ServingFixture.DP, ServingFixture.crops(2, 1));
            f.client().infer(ServingFixture.DP2, ServingFixture.crops(1, 2));
            HttpClient http = HttpClient.newHttpClient();
            http.send(HttpRequest.newBuilder(f.uri().resolve("/v1/infer")).POST(HttpRequest.BodyPublishers.ofByteArray(new byte[2048]))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());   // refused before it opened: no stage is timed
            String metrics = http.send(HttpRequest.newBuilder(f.uri().resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString())
                    .body();
            Matcher m = STAGE.matcher(metrics);
            Set<String> labels = new TreeSet<>();
            while (m.find()) {
                labels.add(m.group(1));
                if (!m.group(1).equals(InferStage.WRITE_ANSWER.label())) {   // written after the answer left: may still be under way
                    assertThat(Double.parseDouble(m.group(2))).as(m.group(1)).isEqualTo(2.0);
                }
            }
            assertThat(labels).isEqualTo(Arrays.stream(InferStage.values()).map(InferStage::label)
                    .collect(Collectors.toCollection(TreeSet::new)));
            assertThat(metrics).contains("veil_infer_outside_model_seconds_count 2");
        }
    }
}
