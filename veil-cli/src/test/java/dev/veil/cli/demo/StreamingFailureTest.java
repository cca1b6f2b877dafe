package dev.veil.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.SealHeader;
import dev.veil.seal.Sealer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failures in the middle of a streamed dataset, after the model has run on its first batches: the data provider gets
 * a failure sealed to it and no results (nothing is released before the dataset's verified end), and the model
 * provider hears only "discarded". The sealed dataset is cut or altered by the host, which relays it.
 */
class StreamingFailureTest {
    /** Small segments, so that the dataset spans many and the model runs on several batches before the damage. */
    private static final int SEGMENT = 4096;
    static Ceremony ceremony;
    static byte[] model;
    @TempDir
    static Path tempDir;

    @BeforeAll
    static void start() throws Exception {
        ceremony = new Ceremony(tempDir.resolve("enclave"));
        model = Ceremony.digitsModel(31);
    }

    @AfterAll
    static void stop() throws Exception {
        ceremony.close();
    }

    private static byte[] dataset() throws Exception {
        String[] lines = new String(Ceremony.evaluationData().featuresCsv(), StandardCharsets.US_ASCII).split("\n");
        StringBuilder sb = new StringBuilder(lines[0]).append('\n');
        for (int r = 0; r < 10; r++) {
            for (int i = 1; i < lines.length; i++) {
                sb.append(lines[i]).append('\n');
            }
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private LocalCeremony.Run runWith(byte[] sealedData, AssetKey dk, AssetKey mk) throws Exception {
        SignedContract contract = Ceremony.signed(ceremony.contract(model, OutputPolicy.labels(), ceremony.policy()));
        return ceremony.run(contract, new Sealer().sealBytes(model, mk, ContentType.MODEL), mk, sealedData, dk);
    }

    @Test
    void hostCuttingTheDatasetAtASegmentBoundaryMidStreamGetsNoResultsReleased() throws Exception {
        try (AssetKey mk = AssetKey.generate(); AssetKey dk = AssetKey.generate()) {
            byte[] sealed = new Sealer(SEGMENT).sealBytes(dataset(), dk, ContentType.DATASET);
            int keep = SealHeader.LENGTH + 40 * SEGMENT;   // whole segments only: each one still verifies
            assertThat(keep).isLessThan(sealed.length - SEGMENT);
            LocalCeremony.Run run = runWith(Arrays.copyOf(sealed, keep), dk, mk);
            assertThat(run.dp()).isNull();
            assertThat(run.dpError()).hasMessageContaining("dataset_invalid").hasMessageContaining("truncated");
            assertThat(run.mp().discard().receipt().outcome()).isEqualTo("discarded");
        }
    }

    @Test
    void hostAlteringASegmentMidStreamGetsNoResultsReleased() throws Exception {
        try (AssetKey mk = AssetKey.generate(); AssetKey dk = AssetKey.generate()) {
            byte[] sealed = new Sealer(SEGMENT).sealBytes(dataset(), dk, ContentType.DATASET);
            sealed[SealHeader.LENGTH + 30 * SEGMENT + 100] ^= 1;
            LocalCeremony.Run run = runWith(sealed, dk, mk);
            assertThat(run.dp()).isNull();
            assertThat(run.dpError()).hasMessageContaining("dataset_invalid").hasMessageContaining("segment 30 failed authentication");
            assertThat(run.mp().discard().receipt().outcome()).isEqualTo("discarded");
        }
    }

    @Test
    void intactDatasetOfManySmallSegmentsGivesALabelForEveryRow() throws Exception {
        try (AssetKey mk = AssetKey.generate(); AssetKey dk = AssetKey.generate()) {
            byte[] data = dataset();
            LocalCeremony.Run run = runWith(new Sealer(SEGMENT).sealBytes(data, dk, ContentType.DATASET), dk, mk);
            run.requireSuccess();
            assertThat(new String(run.dp().result().output(), StandardCharsets.US_ASCII).split("\n")).hasSize(3600);
        }
    }
}
