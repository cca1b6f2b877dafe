package dev.veil.protocol.contract;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * What one model input or output holds: a tensor of one of ONNX's element types (known by their
 * {@code TensorProto.DataType} code in the model's protobuf), or a sequence or map, whose contents the signature does not describe
 * (Veil never feeds them and returns only tensors). The element types are those ONNX Runtime for Java can name; a model
 * using another one is refused when its signature is read.
 */
public enum ValueType {
    FLOAT32("float32", 1), UINT8("uint8", 2), INT8("int8", 3), UINT16("uint16", 4), INT16("int16", 5),
    INT32("int32", 6), INT64("int64", 7), STRING("string", 8), BOOL("bool", 9), FLOAT16("float16", 10),
    FLOAT64("float64", 11), UINT32("uint32", 12), UINT64("uint64", 13), COMPLEX64("complex64", 14),
    COMPLEX128("complex128", 15), BFLOAT16("bfloat16", 16), FLOAT8E4M3FN("float8e4m3fn", 17),
    FLOAT8E4M3FNUZ("float8e4m3fnuz", 18), FLOAT8E5M2("float8e5m2", 19), FLOAT8E5M2FNUZ("float8e5m2fnuz", 20),
    SEQUENCE("sequence", 0), MAP("map", 0);

    private final String id;
    private final int onnxElementType;

    ValueType(String id, int onnxElementType) {
        this.id = id;
        this.onnxElementType = onnxElementType;
    }

    @JsonValue
    public String id() {
        return id;
    }

    public boolean isTensor() {
        return onnxElementType != 0;
    }

    /** The tensor type of an ONNX element type code, or null when Veil does not know it (0 is ONNX's UNDEFINED). */
    public static ValueType ofOnnxElementType(int code) {
        for (ValueType t : values()) {
            if (t.isTensor() && t.onnxElementType == code) {
                return t;
            }
        }
        return null;
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static ValueType fromId(String id) {
        for (ValueType t : values()) {
            if (t.id.equals(id)) {
                return t;
            }
        }
        throw new IllegalArgumentException("value type '" + SignatureText.printable(id) + "' is not one of float32, "
                + "float64, float16, bfloat16, int8..int64, uint8..uint64, bool, string, complex64, complex128, the "
                + "float8 types, sequence or map");
    }
}
