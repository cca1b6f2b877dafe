package dev.veil.seal;

/** What a sealed file holds. Part of the authenticated header, so a dataset cannot be passed off as a model. */
public enum ContentType {
    MODEL(1), DATASET(2), RESULTS(3), GENERIC(4);

    private final int code;

    ContentType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static ContentType fromCode(int code) throws SealException {
        for (ContentType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new SealException("unknown content type code " + code + " in sealed header; the file is not a Veil sealed file or is corrupt");
    }

    public static ContentType fromLabel(String label) {
        return valueOf(label.toUpperCase(java.util.Locale.ROOT));
    }
}
