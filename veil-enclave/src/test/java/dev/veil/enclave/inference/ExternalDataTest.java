package dev.veil.enclave.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.FloatTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile model tries to read a file planted in the enclave's working directory through ONNX external data with a
 * relative location (ONNX Runtime refuses absolute paths and "..", not relative ones).
 */
class ExternalDataTest {
    static final float[] SECRET = {1111f, 2222f, 3333f, 4444f};

    @TempDir
    Path scratch;
    Path planted;

    @BeforeEach
    void plantAFileInTheWorkingDirectory() throws Exception {
        planted = Path.of("").toAbsolutePath().resolve("planted-" + UUID.randomUUID() + ".bin");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(SECRET);
        Files.write(planted, b.array());
    }

    @AfterEach
    void removeIt() throws Exception {
        Files.deleteIfExists(planted);
    }

    @Test
    void plainOnnxRuntimeReadsThePlantedFileSoTheAttackIsReal() throws Exception {
        byte[] model = ExternalDataModels.addExternalInitializer(planted.getFileName().toString());
        var env = OrtRuntime.environment();
        try (OrtSession.SessionOptions o = optionsWithoutOptimizations(); OrtSession s = env.createSession(model, o);
             OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[4]), new long[] {1, 4});
             OrtSession.Result r = s.run(Map.of("x", x))) {
            float[] y = new float[4];
            ((OnnxTensor) r.get(0)).getFloatBuffer().get(y);
            assertThat(y).containsExactly(SECRET);
        }
    }

    private static OrtSession.SessionOptions optionsWithoutOptimizations() throws Exception {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        // Constant folding would trip over the missing model path; without it ONNX Runtime reads the file at load.
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
        return o;
    }

    @Test
    void modelWithARelativeExternalDataLocationIsRefusedBeforeLoading() {
        byte[] model = ExternalDataModels.addExternalInitializer(planted.getFileName().toString());
        assertThatThrownBy(() -> new ModelRunner(model, Signatures.UNUSED, 1, scratch))
                .isInstanceOf(InferenceException.class).hasMessageContaining("external data")
                .extracting(e -> ((InferenceException) e).code()).isEqualTo(FailureCode.MODEL_INVALID);
    }

    @Test
    void externalDataIsRefusedWhereverATensorCanSit() {
        String loc = planted.getFileName().toString();
        Map<String, Function<String, byte[]>> places = Map.of(
                "graph initializer", ExternalDataModels::addExternalInitializer,
                "Constant node attribute", ExternalDataModels::constantNodeAttribute,
                "If subgraph initializer", ExternalDataModels::ifSubgraphInitializer,
                "sparse initializer", ExternalDataModels::sparseInitializer,
                "function body", ExternalDataModels::functionBody,
                "data_location only", l -> ExternalDataModels.dataLocationOnly());
        places.forEach((where, build) -> assertThatThrownBy(() -> ExternalDataCheck.refuseExternalData(build.apply(loc)))
                .as(where).hasMessageContaining("external data"));
    }

    @Test
    void malformedProtobufIsRefusedRatherThanSkipped() throws Exception {
        byte[] model = ExternalDataModels.model(new ProtoWriter().message(1, ExternalDataModels.node("Relu", new String[] {"x"}, "y"))
                .string(2, "plain").message(11, ExternalDataModels.valueInfo("x", 4)).message(12, ExternalDataModels.valueInfo("y", 4)));
        ExternalDataCheck.refuseExternalData(model);
        byte[] truncated = java.util.Arrays.copyOf(model, model.length - 3);
        assertThatThrownBy(() -> ExternalDataCheck.refuseExternalData(truncated)).hasMessageContaining("protobuf");
        byte[] group = {(byte) ((7 << 3) | 3)};   // start-group: not used by ONNX, cannot be skipped safely
        assertThatThrownBy(() -> ExternalDataCheck.refuseExternalData(group)).hasMessageContaining("wire type 3");
    }

    @Test
    void withoutTheStructuralCheckOnnxRuntimeStillCannotReachTheWorkingDirectory() throws Exception {
        byte[] model = ExternalDataModels.addExternalInitializer(planted.getFileName().toString());
        try (ModelRunner r = new ModelRunner(model, Signatures.of(model), 1, scratch, false)) {
            float[] y = r.runBatch(new FloatTensor(new long[] {1, 4}, new float[4])).floats().get(0).values();
            assertThat(y).doesNotContain(SECRET);
        } catch (InferenceException e) {
            // ONNX Runtime looked for the file in the enclave's empty private directory and found nothing. Its own
            // text is only the cause (never shown: it may quote the model), so that is where the path is.
            assertThat(e.code()).isEqualTo(FailureCode.MODEL_INVALID);
            assertThat(e.getCause().getMessage()).contains("ort-empty-");
        }
    }

    @Test
    void realModelsPassTheCheck() throws Exception {
        ExternalDataCheck.refuseExternalData(ModelRunnerTest.model());
    }
}
