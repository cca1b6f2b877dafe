package dev.veil.enclave.inference;

import ai.onnxruntime.OnnxJavaType;
import dev.veil.protocol.contract.ValueType;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.ElementType;
import java.nio.ByteOrder;

/**
 * Veil's element types to ONNX Runtime's and back. ONNX Runtime reads a direct buffer in place, in the machine's byte
 * order; Veil's tensors are little-endian, so only a little-endian machine (x86-64, AArch64: every TEE Veil knows)
 * runs models, and the bytes go through the inference worker unchanged.
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
}
