package dev.veil.tensor;

/**
 * The element types Veil feeds to and returns from models, with their NumPy dtype as {@code .npy} writes it
 * (little-endian; single bytes with {@code |}). The ids are those of the contract's value types ({@code float32},
 * {@code int64}, …), so the two map by id.
 */
public enum ElementType {
    FLOAT32("float32", "<f4", 4),
    FLOAT16("float16", "<f2", 2),
    FLOAT64("float64", "<f8", 8),
    INT64("int64", "<i8", 8),
    INT32("int32", "<i4", 4),
    INT8("int8", "|i1", 1),
    UINT8("uint8", "|u1", 1),
    BOOL("bool", "|b1", 1);

    private final String id;
    private final String npyDescr;
    private final int byteSize;

    ElementType(String id, String npyDescr, int byteSize) {
        this.id = id;
        this.npyDescr = npyDescr;
        this.byteSize = byteSize;
    }

    /** The contract's name for the type: "float32", "int64", "bool", … */
    public String id() {
        return id;
    }

    /** The dtype string a {@code .npy} header carries for it, as NumPy writes it. */
    public String npyDescr() {
        return npyDescr;
    }

    public int byteSize() {
        return byteSize;
    }

    /** The type of a {@code .npy} dtype exactly as NumPy writes it, or null for any other (big-endian, object, …). */
    public static ElementType ofNpyDescr(String descr) {
        for (ElementType t : values()) {
            if (t.npyDescr.equals(descr)) {
                return t;
            }
        }
        return null;
    }

    /** The type whose id is {@code id}, or null. */
    public static ElementType ofId(String id) {
        for (ElementType t : values()) {
            if (t.id.equals(id)) {
                return t;
            }
        }
        return null;
    }
}
