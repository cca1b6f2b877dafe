package dev.veil.enclave.inference;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Where {@link RunStateCheck} finds a node that keeps state across runs: anywhere ONNX Runtime would run one. */
class RunStateCheckTest {
    @Test
    void aRandomNodeInsideAnIfBranchIsRefused() {
        ProtoWriter branch = new ProtoWriter().message(1, node("RandomNormal", "r")).string(2, "then");
        ProtoWriter iff = node("If", "y", "cond").message(5, new ProtoWriter().string(1, "then_branch").message(6, branch).varint(20, 5));
        assertRefused(model(new ProtoWriter().message(1, iff)), "RandomNormal");
    }

    @Test
    void aRandomNodeInAModelLocalFunctionIsRefused() {
        ProtoWriter function = new ProtoWriter().string(1, "f").string(4, "x").string(5, "y")
                .message(7, node("Bernoulli", "y", "x")).string(10, "local");
        byte[] m = new ProtoWriter().varint(1, 8).message(7, new ProtoWriter().message(1, node("Identity", "y", "x")))
                .message(25, function).toBytes();
        assertRefused(m, "Bernoulli");
    }

    @Test
    void dropoutIsRefusedOnlyWhenGivenItsTrainingModeInput() {
        assertThatCode(() -> RunStateCheck.refuseStateAcrossRuns(model(new ProtoWriter().message(1, node("Dropout", "y", "x")))))
                .doesNotThrowAnyException();
        assertThatCode(() -> RunStateCheck.refuseStateAcrossRuns(model(new ProtoWriter().message(1, node("Dropout", "y", "x", "ratio", "")))))
                .doesNotThrowAnyException();
        assertRefused(model(new ProtoWriter().message(1, node("Dropout", "y", "x", "ratio", "training"))), "Dropout");
    }

    @Test
    void aLaterOpTypeFieldIsTheOneProtobufKeeps() {
        ProtoWriter node = node("Identity", "y", "x").string(4, "RandomUniform");
        assertRefused(model(new ProtoWriter().message(1, node)), "RandomUniform");
    }

    private static void assertRefused(byte[] model, String op) {
        assertThatThrownBy(() -> RunStateCheck.refuseStateAcrossRuns(model)).isInstanceOf(InferenceException.class)
                .hasMessageContaining("a " + op + " node");
    }

    private static byte[] model(ProtoWriter graph) {
        return new ProtoWriter().varint(1, 8).message(7, graph).toBytes();
    }

    private static ProtoWriter node(String op, String output, String... inputs) {
        ProtoWriter n = new ProtoWriter();
        for (String i : inputs) {
            n.string(1, i);
        }
        return n.string(2, output).string(4, op);
    }
}
