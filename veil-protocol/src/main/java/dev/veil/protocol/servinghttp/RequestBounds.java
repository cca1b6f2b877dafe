package dev.veil.protocol.servinghttp;

/**
 * The size of one serving request, as both sides hold it: a request is held whole in memory by the enclave (sealed,
 * then opened, then its tensors), so it is bounded; larger inputs go as several requests.
 */
public final class RequestBounds {
    /** The encapsulated request on the wire: the server answers 413 above this. */
    public static final int MAX_REQUEST_BYTES = 16 << 20;
    /** The request's tensors once its {@code .npz} is inflated: refused above this before any is allocated. */
    public static final long MAX_INPUT_BYTES = 64L << 20;
    /**
     * An answer's outputs as {@code .npz}, by default (a server may set less): the enclave refuses to hold and send more
     * for one request. A client takes sealed answers of up to four times {@link #MAX_INPUT_BYTES}, so it takes this.
     */
    public static final long MAX_ANSWER_BYTES = 64L << 20;

    private RequestBounds() {
    }
}
