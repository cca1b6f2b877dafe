package dev.veil.cli.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The enclave's time outside the model per answered request ({@code veil_infer_outside_model}: what confidentiality
 * adds, read by {@code ./bench serve}) is counted once per answer, refusals apart, and carries no label at all.
 */
class ServingOutsideModelMetricTest {
    @Test
    void eachAnsweredRequestIsTimedOutsideTheModelWithoutLabels(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir)) {
            f.provision(f.client());
            f.client().infer(ServingFixture.DP, ServingFixture.crops(2, 1));
            f.client().infer(ServingFixture.DP2, ServingFixture.crops(1, 2));
            HttpClient http = HttpClient.newHttpClient();
            http.send(HttpRequest.newBuilder(f.uri().resolve("/v1/infer")).POST(HttpRequest.BodyPublishers.ofByteArray(new byte[2048]))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());   // refused: not an answer, not timed
            String metrics = http.send(HttpRequest.newBuilder(f.uri().resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString())
                    .body();
            assertThat(metrics).contains("veil_infer_outside_model_seconds_count 2").contains("veil_infer_outside_model_seconds_sum ");
            assertThat(metrics.lines().filter(l -> l.startsWith("veil_infer_outside_model") && l.contains("{") && !l.contains("le=")))
                    .isEmpty();
        }
    }
}
