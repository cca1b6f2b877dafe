package dev.veil.protocol.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The dataset manifest is parsed once, strictly, in its canonical form only: each refusal against the edit it stops. */
class DatasetManifestTest {
    private static final String ID = "3f6a0c1e9b2d4875a1c0e7f39d2b6a48";

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aSealedManifestRoundTripsAndItsDigestIsTheFilesSha256() throws Exception {
        DatasetManifest m = DatasetManifest.create(List.of(3L, 3L, 1L));
        byte[] file = m.canonicalBytes();
        assertThat(new String(file, StandardCharsets.US_ASCII)).isEqualTo("{\"dataset_id\":\"" + m.datasetId()
                + "\",\"kind\":\"veil.parquet-dataset.v1\",\"rows_per_file\":[3,3,1]}");
        assertThat(DatasetManifest.parse(file)).isEqualTo(m);
        assertThat(m.sha256Hex()).isEqualTo(Digests.hex(Digests.sha256(file)));
        assertThat(m.files()).isEqualTo(3);
        assertThat(m.totalRows()).isEqualTo(7);
        assertThat(DatasetManifest.create(List.of(3L)).datasetId()).isNotEqualTo(DatasetManifest.create(List.of(3L)).datasetId());
    }

    @Test
    void theFuzzSeedsAreGenuineManifests() throws Exception {
        Path seeds = Path.of(DatasetManifestTest.class.getResource("DatasetManifestFuzzTestInputs/parse").toURI());
        try (Stream<Path> s = Files.list(seeds)) {
            for (Path seed : s.toList()) {
                assertThat(DatasetManifest.parse(Files.readAllBytes(seed)).kind()).isEqualTo(DatasetManifest.KIND);
            }
        }
    }

    @Test
    void aManifestReformattedOrWithKeysReorderedIsRefused() {
        // parses alike, but another digest: the pin and the file would disagree about what was sealed
        assertThatThrownBy(() -> DatasetManifest.parse(ascii("{\"kind\":\"veil.parquet-dataset.v1\",\"dataset_id\":\"" + ID
                + "\",\"rows_per_file\":[2,2]}"))).isInstanceOf(ProtocolException.class).hasMessageContaining("canonical");
        assertThatThrownBy(() -> DatasetManifest.parse(ascii("{\"dataset_id\": \"" + ID
                + "\",\"kind\":\"veil.parquet-dataset.v1\",\"rows_per_file\":[2,2]}"))).isInstanceOf(ProtocolException.class);
    }

    @Test
    void aDuplicatedKeyCannotChangeTheRows() {
        assertThatThrownBy(() -> DatasetManifest.parse(ascii("{\"dataset_id\":\"" + ID
                + "\",\"kind\":\"veil.parquet-dataset.v1\",\"rows_per_file\":[2,2],\"rows_per_file\":[2]}")))
                .isInstanceOf(ProtocolException.class);
    }

    @Test
    void anotherVersionAnUnknownFieldOrTrailingDataIsRefused() {
        assertThatThrownBy(() -> DatasetManifest.parse(ascii("{\"dataset_id\":\"" + ID
                + "\",\"kind\":\"veil.parquet-dataset.v2\",\"rows_per_file\":[2]}"))).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("not one this version reads");
        assertThatThrownBy(() -> DatasetManifest.parse(ascii("{\"dataset_id\":\"" + ID
                + "\",\"files\":1,\"kind\":\"veil.parquet-dataset.v1\",\"rows_per_file\":[2]}"))).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("unknown field");
        assertThatThrownBy(() -> DatasetManifest.parse(ascii("{\"dataset_id\":\"" + ID
                + "\",\"kind\":\"veil.parquet-dataset.v1\",\"rows_per_file\":[2]}{}"))).isInstanceOf(ProtocolException.class);
    }

    @Test
    void noFilesNegativeRowsOrAMalformedIdIsRefused() {
        for (String body : List.of("\"dataset_id\":\"" + ID + "\",\"kind\":\"veil.parquet-dataset.v1\",\"rows_per_file\":[]",
                "\"dataset_id\":\"" + ID + "\",\"kind\":\"veil.parquet-dataset.v1\",\"rows_per_file\":[2,-1]",
                "\"dataset_id\":\"" + ID.toUpperCase() + "\",\"kind\":\"veil.parquet-dataset.v1\",\"rows_per_file\":[2]",
                "\"dataset_id\":\"" + ID + "\",\"kind\":\"veil.parquet-dataset.v1\",\"rows_per_file\":[9223372036854775807,1]",
                "\"dataset_id\":\"" + ID + "\",\"kind\":\"veil.parquet-dataset.v1\",\"rows_per_file\":[\"2\"]")) {
            assertThatThrownBy(() -> DatasetManifest.parse(ascii("{" + body + "}"))).as(body).isInstanceOf(ProtocolException.class);
        }
    }
}
