package dev.veil.protocol.serving;

import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.MayBeAbsent;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.receipt.FailureCode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The answer to one request, as sealed to its data provider alone:
 * <pre>
 *   "VEILSRS1" | header length (u32 BE) | header (canonical JSON {veil_serving_response, request_id, status, detail})
 *              | output length (u32 BE) | output (.npz bytes)
 *              | receipt length (u32 BE) | receipt (opaque here: the log's leaf, inclusion proof and signed head)
 * </pre>
 * {@code status} is {@code ok} or a {@link FailureCode}; a failure carries no output and may carry a detail, which
 * is readable by this data provider only (it travels inside the sealed response). {@code request_id} is null only
 * when the enclave refused a request it could open but not read.
 *
 * <p>Parsed, it keeps the decrypted message whole and its output as a range of it: MiniLM's 1.5 MB output is copied
 * once, by {@link #output()}, where joining and splitting it cost the data provider two more copies per answer.
 */
public final class ServingResponse {
    public static final int VERSION = 1;
    static final byte[] MAGIC = "VEILSRS1".getBytes(StandardCharsets.US_ASCII);
    static final String OK = "ok";
    public static final int MAX_DETAIL_CHARS = 1000;
    private static final int MAX_HEADER_BYTES = 16 * 1024;

    private final String requestId;
    /** Null when the request was answered. */
    private final FailureCode failure;
    private final String detail;
    /** The output is {@code outputLength} bytes of {@code message} from {@code outputFrom}; nothing else holds {@code message}. */
    private final byte[] message;
    private final int outputFrom;
    private final int outputLength;
    private final byte[] receipt;

    private ServingResponse(String requestId, FailureCode failure, String detail, byte[] message, int outputFrom, int outputLength,
                            byte[] receipt) {
        if (message == null || receipt == null) {
            throw new IllegalArgumentException("serving response needs an output and a receipt (empty when there is none)");
        }
        if (requestId != null && !requestId.matches("[0-9a-f]{32}")) {
            throw new IllegalArgumentException("serving response request_id must be 32 lowercase hex digits");
        }
        if (failure == null && (detail != null || requestId == null)) {
            throw new IllegalArgumentException("an ok serving response names its request and carries no failure detail");
        }
        if (failure != null && outputLength > 0) {
            throw new IllegalArgumentException("a failed serving response carries no output");
        }
        if (detail != null && detail.length() > MAX_DETAIL_CHARS) {
            throw new IllegalArgumentException("serving response detail is over " + MAX_DETAIL_CHARS + " characters");
        }
        this.requestId = requestId;
        this.failure = failure;
        this.detail = detail;
        this.message = message;
        this.outputFrom = outputFrom;
        this.outputLength = outputLength;
        this.receipt = receipt;
    }

    public static ServingResponse ok(String requestId, byte[] output, byte[] receipt) {
        return new ServingResponse(requestId, null, null, output == null ? null : output.clone(), 0, output == null ? 0 : output.length,
                receipt == null ? null : receipt.clone());
    }

    public static ServingResponse failed(String requestId, FailureCode code, String detail) {
        return new ServingResponse(requestId, code, detail, new byte[0], 0, 0, new byte[0]);
    }

    public boolean isOk() {
        return failure == null;
    }

    /** 32 lowercase hex digits; null only when the enclave refused a request it could open but not read. */
    public String requestId() {
        return requestId;
    }

    /** Null when the request was answered. */
    public FailureCode failure() {
        return failure;
    }

    /** Why the request failed, for its data provider only; null when answered. */
    public String detail() {
        return detail;
    }

    /** The output ({@code .npz} bytes), empty for a failure: a copy. */
    public byte[] output() {
        return Arrays.copyOfRange(message, outputFrom, outputFrom + outputLength);
    }

    public byte[] receipt() {
        return receipt.clone();
    }

    /** The JSON header; its own type so the wire form stays the documented one. */
    record Header(Integer veilServingResponse, @MayBeAbsent String requestId, String status, @MayBeAbsent String detail) {
        Header {
            if (veilServingResponse == null || status == null) {
                throw new IllegalArgumentException("serving response header needs veil_serving_response and status");
            }
            if (veilServingResponse != VERSION) {
                throw new IllegalArgumentException("serving response version " + veilServingResponse + " is not supported (expected "
                        + VERSION + ")");
            }
        }
    }

    byte[] encode() {
        byte[] header = Json.canonical(new Header(VERSION, requestId, failure == null ? OK : failure.id(), detail));
        ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 4 + header.length + 4 + outputLength + 4 + receipt.length);
        b.put(MAGIC).putInt(header.length).put(header).putInt(outputLength).put(message, outputFrom, outputLength)
                .putInt(receipt.length).put(receipt);
        return b.array();
    }

    /**
     * {@code ok(requestId, output, receipt).encode()} as three parts to be sealed one after the other (framing and
     * header, the output itself, the receipt with its length), so that a large output is neither copied nor joined.
     */
    static List<byte[]> encodeOk(String requestId, byte[] output, byte[] receipt) {
        ok(requestId, new byte[0], receipt);   // the same checks as an answer built whole
        return List.of(okBeforeOutput(requestId, output.length), output, okAfterOutput(receipt));
    }

    /** An answer's framing and header up to its output: what {@link #encodeOk} puts before the output. */
    static byte[] okBeforeOutput(String requestId, int outputLength) {
        ok(requestId, new byte[0], new byte[0]);   // the request id's checks
        byte[] header = Json.canonical(new Header(VERSION, requestId, OK, null));
        return ByteBuffer.allocate(MAGIC.length + 4 + header.length + 4).put(MAGIC).putInt(header.length).put(header)
                .putInt(outputLength).array();
    }

    /** What {@link #encodeOk} puts after the output: the receipt with its length. */
    static byte[] okAfterOutput(byte[] receipt) {
        return ByteBuffer.allocate(4 + receipt.length).putInt(receipt.length).put(receipt).array();
    }

    /** Parses {@code plaintext}, which it keeps: the caller hands it over (a freshly opened message). */
    static ServingResponse parse(byte[] plaintext) throws ProtocolException {
        ByteBuffer b = ByteBuffer.wrap(plaintext);
        if (b.remaining() < MAGIC.length || !Arrays.equals(Arrays.copyOf(plaintext, MAGIC.length), MAGIC)) {
            throw new ProtocolException("serving response does not start with VEILSRS1 (another version or not a response)");
        }
        b.position(MAGIC.length);
        int headerLength = length(b, "header");
        if (headerLength > MAX_HEADER_BYTES) {
            throw new ProtocolException("serving response header is " + headerLength + " bytes, over " + MAX_HEADER_BYTES);
        }
        byte[] headerBytes = take(b, headerLength);
        int outputLength = length(b, "output");
        int outputFrom = b.position();
        b.position(outputFrom + outputLength);
        byte[] receipt = take(b, length(b, "receipt"));
        if (b.hasRemaining()) {
            throw new ProtocolException("serving response has " + b.remaining() + " bytes after its receipt");
        }
        Header h = Json.parse(headerBytes, Header.class, "serving response header");
        FailureCode failure;
        try {
            failure = h.status().equals(OK) ? null : FailureCode.fromId(h.status());
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("serving response status is neither ok nor a known failure code");
        }
        try {
            return new ServingResponse(h.requestId(), failure, h.detail(), plaintext, outputFrom, outputLength, receipt);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(e.getMessage());
        }
    }

    private static int length(ByteBuffer b, String what) throws ProtocolException {
        if (b.remaining() < 4) {
            throw new ProtocolException("serving response ends before the length of its " + what);
        }
        long n = Integer.toUnsignedLong(b.getInt());
        if (n > b.remaining()) {
            throw new ProtocolException("serving response " + what + " length " + n + " runs past its end");
        }
        return (int) n;
    }

    private static byte[] take(ByteBuffer b, int n) {
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }
}
