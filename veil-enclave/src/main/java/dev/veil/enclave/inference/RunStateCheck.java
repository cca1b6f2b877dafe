package dev.veil.enclave.inference;

import dev.veil.protocol.contract.onnx.MalformedProtobufException;
import dev.veil.protocol.contract.onnx.ProtoReader;
import dev.veil.protocol.receipt.FailureCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Refuses a model whose run leaves state for the next run of its session. ONNX Runtime's random kernels keep their
 * generator from run to run (seeded once, by the model's {@code seed} or at random), so a model that draws as many
 * numbers as a data provider's cell says moves the generator by the data, and the next run's draws tell by how much:
 * whoever runs next reads the data of whoever ran before. A serving instance runs every data provider's requests in one
 * session, and the model provider can be, or collude with, one of them ({@code RandomStateAcrossRequestsAttackTest}).
 * A batch session or a Spark job runs one data provider's data, which is why only serving asks for this check.
 *
 * <p>Refused, in any domain, wherever a node can sit (the graph, the bodies of If, Loop and Scan, model-local
 * functions): the random operators, and Dropout given its {@code training_mode} input (it draws its mask only then,
 * and that input can be computed from the data). A walk over the protobuf as {@link ExternalDataCheck} walks it, through
 * {@link ProtoReader}, so the nodes seen are the nodes ONNX Runtime loads.
 */
public final class RunStateCheck {
    /**
     * Operators that draw random numbers (ONNX's, and ONNX Runtime's contrib ones, Sampling's text generation among
     * them): ONNX's keep their generator across runs, as {@code RandomStateAcrossRequestsAttackTest} shows; the others
     * are refused with them rather than trusted to reseed at every run.
     */
    static final Set<String> RANDOM = Set.of("RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike",
            "Multinomial", "Bernoulli", "BiasDropout", "BitmaskDropout", "BitmaskBiasDropout", "Sampling");
    /** Dropout draws a mask only when its third input, training_mode, is given (and true). */
    private static final String DROPOUT = "Dropout";
    private static final int DROPOUT_TRAINING_MODE = 2;
    // ModelProto
    private static final int MODEL_GRAPH = 7;
    private static final int MODEL_FUNCTIONS = 25;
    // GraphProto
    private static final int GRAPH_NODE = 1;
    // FunctionProto
    private static final int FUNCTION_NODE = 7;
    // NodeProto
    private static final int NODE_INPUT = 1;
    private static final int NODE_OP_TYPE = 4;
    private static final int NODE_ATTRIBUTE = 5;
    // AttributeProto
    private static final int ATTR_G = 6;
    private static final int ATTR_GRAPHS = 11;

    private enum Kind { MODEL, GRAPH, FUNCTION, NODE, ATTRIBUTE }

    private RunStateCheck() {
    }

    /** Throws {@link FailureCode#MODEL_INVALID} if a node of the model keeps state from one run for the next. */
    public static void refuseStateAcrossRuns(byte[] model) throws InferenceException {
        try {
            walk(ProtoReader.of(model), Kind.MODEL);
        } catch (MalformedProtobufException e) {
            throw new InferenceException(FailureCode.MODEL_INVALID, "model is not a loadable ONNX model: its protobuf " + e.getMessage());
        }
    }

    private static void walk(ProtoReader message, Kind kind) throws MalformedProtobufException, InferenceException {
        if (kind == Kind.NODE) {
            node(message);
            return;
        }
        while (message.hasNext()) {
            ProtoReader.Field f = message.next();
            Kind child = child(kind, f.number());
            // A known field with another wire type is an unknown field to protobuf, which never parses it as a message.
            if (child != null && f.wireType() == ProtoReader.WireType.LEN) {
                walk(f.message(), child);
            }
        }
    }

    private static Kind child(Kind parent, int field) {
        return switch (parent) {
            case MODEL -> field == MODEL_GRAPH ? Kind.GRAPH : field == MODEL_FUNCTIONS ? Kind.FUNCTION : null;
            case GRAPH -> field == GRAPH_NODE ? Kind.NODE : null;
            case FUNCTION -> field == FUNCTION_NODE ? Kind.NODE : null;
            case ATTRIBUTE -> field == ATTR_G || field == ATTR_GRAPHS ? Kind.GRAPH : null;
            case NODE -> null;
        };
    }

    /** One node: its operator (protobuf keeps the last op_type written), its inputs, then its subgraphs. */
    private static void node(ProtoReader node) throws MalformedProtobufException, InferenceException {
        String opType = "";
        List<String> inputs = new ArrayList<>();
        List<ProtoReader> attributes = new ArrayList<>();
        while (node.hasNext()) {
            ProtoReader.Field f = node.next();
            if (f.wireType() != ProtoReader.WireType.LEN) {
                continue;
            }
            switch (f.number()) {
                case NODE_OP_TYPE -> opType = f.utf8();
                case NODE_INPUT -> inputs.add(f.utf8());
                case NODE_ATTRIBUTE -> attributes.add(f.message());
                default -> {
                }
            }
        }
        if (RANDOM.contains(opType) || DROPOUT.equals(opType) && inputs.size() > DROPOUT_TRAINING_MODE
                && !inputs.get(DROPOUT_TRAINING_MODE).isEmpty()) {
            throw new InferenceException(FailureCode.MODEL_INVALID, "the model has a " + opType + " node that "
                    + (RANDOM.contains(opType) ? "draws random numbers" : "is told to train") + ": ONNX Runtime keeps its generator"
                    + " from one run to the next, so one data provider's run would steer what the next one reads; a serving"
                    + " model must give the same answer to the same request whatever ran before");
        }
        for (ProtoReader a : attributes) {
            walk(a, Kind.ATTRIBUTE);
        }
    }
}
