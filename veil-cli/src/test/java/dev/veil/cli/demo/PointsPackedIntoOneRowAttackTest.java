package dev.veil.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionLimits;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.wire.FrameChannel;
import dev.veil.protocol.wire.Messages;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.net.Socket;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack: model extraction past {@code limits.max_rows} in the batch ceremony, with a model exported with a fixed batch
 * of 1 and a free later dimension (common: many ONNX exports fix the batch and leave the sequence, box or point count
 * free). The enclave counts an .npz dataset's rows along its arrays' first axis; for x: float32 [1, L, 3] an array of
 * [1, 1000, 3] is one row, so a data provider whose contract allows one row would have the model evaluated on a thousand
 * points (the Spark form of this attack is PointsPackedIntoOneRowOnSparkAttackTest, the serving form
 * RowsAlongAnotherDimensionAttackTest).
 *
 * <p>Safe behaviour: no such contract starts a session. The contract verifier every party runs (both providers' clients
 * and the enclave itself) refuses a model whose input fixes its first dimension and leaves a later one free.
 */
class PointsPackedIntoOneRowAttackTest {
    private static final int POINTS = 1000;

    static Ceremony ceremony;
    @TempDir
    static Path tempDir;

    @BeforeAll
    static void start() throws Exception {
        ceremony = new Ceremony(tempDir.resolve("enclave"));
    }

    @AfterAll
    static void stop() throws Exception {
        ceremony.close();
    }

    @Test
    void oneRowOfAThousandPointsIsNotAnsweredUnderMaxRowsOfOne() throws Exception {
        byte[] model = PointsModel.sigmoid(null);
        LocalCeremony.Run run = ceremony.run(contractOfOneRow(model), model, thousandPointsInOneRow());
        long answered = run.dp() == null ? 0 : Npz.read(run.dp().result().output(), 1L << 30).get("y").elementCount() / 3;
        assertThat(answered).as("points answered for one row under limits.max_rows = 1").isZero();
        assertThat(run.dpError()).hasMessageContaining("its first dimension is fixed and a later one is free");
    }

    @Test
    void theEnclaveItselfRefusesTheContractOfSuchAModel() throws Exception {
        SignedContract contract = contractOfOneRow(PointsModel.sigmoid(null));
        String answer;
        try (FrameChannel ch = new FrameChannel(new Socket("127.0.0.1", ceremony.enclave.port()))) {
            byte[] nonce = new byte[32];
            new SecureRandom().nextBytes(nonce);
            ch.send(new Messages.Hello(Role.DATA_PROVIDER, contract, nonce));
            try {
                ch.receive();
                answer = "accepted";
            } catch (ProtocolException e) {
                answer = e.getMessage();
            }
        }
        assertThat(answer).contains("'x' float32 [1, L, 3]").contains("export the model with a free batch (first) dimension");
    }

    private static SignedContract contractOfOneRow(byte[] model) throws Exception {
        return Ceremony.signed(ceremony.contract(model, OutputPolicy.npz(), ceremony.policy(), SessionLimits.defaults().withMaxRows(1)));
    }

    private static byte[] thousandPointsInOneRow() {
        float[] points = new float[POINTS * 3];
        for (int i = 0; i < points.length; i++) {
            points[i] = i / 100f;
        }
        return Npz.write(NamedTensors.of(Tensor.ofFloats("x", new long[] {1, POINTS, 3}, points)));
    }
}
