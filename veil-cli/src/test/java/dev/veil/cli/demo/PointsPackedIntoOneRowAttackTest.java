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
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.MaxSizes;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
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
 *
 * <p>The free-batch form, x: float32 [N, L, 3]: nothing in the model tells L from MiniLM's free sequence length, which
 * must keep working. A contract must give every free dimension after the first a max size (signature
 * {@code max_sizes}); without one no party accepts it, and with one the enclave feeds no row beyond it, even when the
 * data provider's own tools are skipped (the data provider is the one who would gain here).
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
        assertThat(answered(run)).as("points answered for one row under limits.max_rows = 1").isZero();
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

    @Test
    void aContractThatDoesNotBoundTheFreePointCountStartsNoSession() throws Exception {
        byte[] model = PointsModel.sigmoid("N");
        LocalCeremony.Run run = ceremony.runUnchecked(contractOfOneFreeBatchRow(model, null), model, thousandPointsInOneRow());
        assertThat(answered(run)).as("points answered for one row under limits.max_rows = 1").isZero();
        assertThat(run.dpError()).hasMessageContaining("dimension 1 ('L') is free").hasMessageContaining("--max-size L=N");
    }

    @Test
    void theEnclaveFeedsNoRowBeyondTheContractsMaxSizeEvenWhenTheDataProviderSkipsItsCheck() throws Exception {
        byte[] model = PointsModel.sigmoid("N");
        LocalCeremony.Run run = ceremony.runUnchecked(contractOfOneFreeBatchRow(model, 10L), model, thousandPointsInOneRow());
        assertThat(answered(run)).as("points answered for one row of at most 10 points").isZero();
        assertThat(run.dpError()).hasMessageContaining("('L') is 1000, more than the contract's max size 10");
    }

    @Test
    void rowsWithinTheMaxSizeAreAnswered() throws Exception {
        byte[] model = PointsModel.sigmoid("N");
        LocalCeremony.Run run = ceremony.run(contractOfOneFreeBatchRow(model, (long) POINTS), model, thousandPointsInOneRow());
        assertThat(run.dpError()).isNull();
        assertThat(answered(run)).isEqualTo(POINTS);
    }

    private static long answered(LocalCeremony.Run run) throws Exception {
        return run.dp() == null ? 0 : Npz.read(run.dp().result().output(), 1L << 30).get("y").elementCount() / 3;
    }

    private static SignedContract contractOfOneFreeBatchRow(byte[] model, Long maxPoints) throws Exception {
        ModelTerms read = OnnxSignatureReader.modelTerms(model, "points");
        ModelTerms terms = maxPoints == null ? read
                : new ModelTerms(read.sha256(), read.name(), read.signature().withMaxSizes(MaxSizes.of(Map.of("L", maxPoints))));
        EnclavePolicy policy = ceremony.policy();
        return Ceremony.signed(SessionContract.draft(terms, Ceremony.MP.publicIdentity(), Ceremony.DP.publicIdentity(), policy,
                KeyWrapSuite.MLKEM768_X25519, OutputPolicy.npz(), Instant.now().plus(Duration.ofHours(1)),
                SessionLimits.defaults().withMaxRows(1)));
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
