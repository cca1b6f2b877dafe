package dev.veil.protocol.batch;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.protocol.json.ProtocolException;
import java.util.Arrays;

/**
 * A data provider's dataset manifest (_veil-dataset.json), which the driver and 'veil batch open' read from storage
 * the host holds: parsed or refused with a ProtocolException, and what parses is its own canonical form (its digest is
 * the pin). Seeds: manifests as 'veil seal --format parquet' writes them (DatasetManifestTest checks they parse). Seeds
 * run in the normal suite; JAZZER_FUZZ=1 fuzzes (docs/FUZZING.md).
 */
class DatasetManifestFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void parse(FuzzedDataProvider data) {
        byte[] bytes = data.consumeRemainingAsBytes();
        try {
            DatasetManifest m = DatasetManifest.parse(bytes);
            if (!Arrays.equals(m.canonicalBytes(), bytes) || m.files() < 1 || m.totalRows() < 0) {
                throw new IllegalStateException("a manifest parsed that is not its own canonical form");
            }
        } catch (ProtocolException expected) {
            // rejected with a reason
        }
    }
}
