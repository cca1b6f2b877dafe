package dev.veil.enclave.inference;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.veil.protocol.contract.ValueType;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.ElementType;
import dev.veil.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Veil's typed tensors to ONNX Runtime's and back, byte for byte. ONNX Runtime reads a direct buffer in place, in
 * the machine's byte order; Veil's tensors are little-endian, so only a little-endian machine (x86-64, AArch64: every
 * TEE Veil knows) runs models, and the bytes go through unchanged.
 */
final class OrtTensors {
    private OrtTensors() {
    }

    static void requireLittleEndian() throws InferenceException {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new InferenceException(FailureCode.INTERNAL_ERROR, "this machine is big-endian; Veil runs models only on"
                    + " little-endian machines");
        }
    }

    static OnnxJavaType javaType(ElementType t) {
        return switch (t) {
            case FLOAT32 -> OnnxJavaType.FLOAT;
            case FLOAT16 -> OnnxJavaType.FLOAT16;
            case FLOAT64 -> OnnxJavaType.DOUBLE;
            case INT64 -> OnnxJavaType.INT64;
            case INT32 -> OnnxJavaType.INT32;
            case INT8 -> OnnxJavaType.INT8;
            case UINT8 -> OnnxJavaType.UINT8;
            case BOOL -> OnnxJavaType.BOOL;
        };
    }

    /** The element type of ONNX Runtime's Java type, or null for one Veil does not return (strings, int16, bfloat16). */
    static ElementType elementType(OnnxJavaType t) {
        return switch (t) {
            case FLOAT -> ElementType.FLOAT32;
            case FLOAT16 -> ElementType.FLOAT16;
            case DOUBLE -> ElementType.FLOAT64;
            case INT64 -> ElementType.INT64;
            case INT32 -> ElementType.INT32;
            case INT8 -> ElementType.INT8;
            case UINT8 -> ElementType.UINT8;
            case BOOL -> ElementType.BOOL;
            default -> null;
        };
    }

    /** The contract's value type of the same name. */
    static ValueType valueType(ElementType t) {
        return ValueType.fromId(t.id());
    }

    /**
     * An ONNX Runtime tensor over {@code direct} (a reused direct buffer of at least the tensor's size), into which
     * {@code t}'s bytes are copied; the caller zeroes the buffer once the run is over.
     */
    static OnnxTensor input(OrtEnvironment env, Tensor t, ByteBuffer direct) throws OrtException {
        direct.clear();
        direct.put(t.data()).flip();
        return OnnxTensor.createTensor(env, direct, t.shape(), javaType(t.type()));
    }

    /** ONNX Runtime's output tensor as Veil's, named {@code name}; its bytes copied out. */
    static Tensor output(String name, OnnxTensor t) throws InferenceException {
        ElementType type = elementType(t.getInfo().type);
        if (type == null) {
            throw new InferenceException(FailureCode.INFERENCE_FAILED, "model output '" + Tensor.printable(name) + "' is of type "
                    + t.getInfo().type + ", which Veil does not return (float32, float16, float64, int64, int32, int8, uint8, bool)");
        }
        ByteBuffer b = t.getByteBuffer();
        byte[] data = new byte[b.remaining()];
        b.get(data);
        if (b.hasArray()) {
            Arrays.fill(b.array(), (byte) 0);
        }
        try {
            return new Tensor(name, type, t.getInfo().getShape(), data);
        } catch (IllegalArgumentException e) {
            Arrays.fill(data, (byte) 0);
            throw new InferenceException(FailureCode.INFERENCE_FAILED, "model output '" + Tensor.printable(name)
                    + "' is not a tensor Veil can return (" + e.getMessage() + ")");
        }
    }
}
