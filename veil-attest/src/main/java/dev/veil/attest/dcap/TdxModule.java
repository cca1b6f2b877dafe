package dev.veil.attest.dcap;

import dev.veil.attest.json.JsonFormatException;
import dev.veil.attest.json.JsonObject;

/**
 * The TDX module a TCB Info accepts: MRSIGNERSEAM (48 bytes) and SEAMATTRIBUTES (8 bytes) under a mask. TCB Info
 * carries one in {@code tdxModule} and one per module version in {@code tdxModuleIdentities}.
 */
record TdxModule(byte[] mrSigner, byte[] attributes, byte[] attributesMask) {
    TdxModule {
        mrSigner = mrSigner.clone();
        attributes = attributes.clone();
        attributesMask = attributesMask.clone();
    }

    @Override
    public byte[] mrSigner() {
        return mrSigner.clone();
    }

    @Override
    public byte[] attributes() {
        return attributes.clone();
    }

    @Override
    public byte[] attributesMask() {
        return attributesMask.clone();
    }

    static TdxModule read(JsonObject o) throws JsonFormatException {
        return new TdxModule(o.hex("mrsigner", 48), o.hex("attributes", 8), o.hex("attributesMask", 8));
    }
}
