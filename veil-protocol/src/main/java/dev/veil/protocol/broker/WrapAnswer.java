package dev.veil.protocol.broker;

/** Broker → caller: the data key wrapped under the master key, in {@link WrappedDataKey}'s text form (public). */
public record WrapAnswer(String wrappedKey) {
    public WrapAnswer {
        WrappedDataKey.parse(wrappedKey);
    }
}
