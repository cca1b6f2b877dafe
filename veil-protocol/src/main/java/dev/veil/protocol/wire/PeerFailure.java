package dev.veil.protocol.wire;

import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.receipt.FailureCode;
import java.util.Optional;

/** The peer sent a {@link Messages.Failure}: its code, its one-line reason, and a detail sealed to us, if any. */
public final class PeerFailure extends ProtocolException {
    private final transient Messages.Failure failure;

    PeerFailure(Messages.Failure failure) {
        super("peer refused (" + failure.code() + "): " + failure.reason());
        this.failure = failure;
    }

    public FailureCode code() {
        return failure.code();
    }

    public String reason() {
        return failure.reason();
    }

    /** The failure message as received, to check its signature. */
    public Messages.Failure message() {
        return new Messages.Failure(failure.code(), failure.reason(), failure.sealedDetail() == null ? null : failure.sealedDetail().clone(),
                failure.signature() == null ? null : failure.signature().clone());
    }

    public Optional<byte[]> sealedDetail() {
        return Optional.ofNullable(failure.sealedDetail()).map(byte[]::clone);
    }
}
