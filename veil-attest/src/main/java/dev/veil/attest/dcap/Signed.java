package dev.veil.attest.dcap;

/**
 * A TCB Info or QE Identity with the exact bytes Intel signed and the signature (ECDSA P-256, r‖s). {@code body}
 * was read from {@code signedBytes} by {@link PcsResponse}, so checking the signature over those bytes vouches for
 * this very value.
 */
record Signed<T extends IntelSigned>(T body, byte[] signedBytes, byte[] signature) {
    Signed {
        signedBytes = signedBytes.clone();
        signature = signature.clone();
    }

    @Override
    public byte[] signedBytes() {
        return signedBytes.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }
}
