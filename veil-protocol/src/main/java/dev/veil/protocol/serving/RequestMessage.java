package dev.veil.protocol.serving;

import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The plaintext inside a request's encapsulation:
 * <pre>
 *   "VEILSRQ1" | header length (u32 BE) | header (canonical JSON of {@link ServingRequest})
 *              | inputs length (u32 BE) | inputs (.npz bytes, opaque here)
 *              | signature length (u16 BE, 64) | Ed25519 signature
 * </pre>
 * The signature is the data provider's over {@link #signingMessage}. Parsing is strict: a header that is not in
 * canonical form, a length past the end, a signature of another length and trailing bytes are all refused.
 */
final class RequestMessage {
    static final byte[] MAGIC = "VEILSRQ1".getBytes(StandardCharsets.US_ASCII);
    static final String SIGNATURE_LABEL = "veil serving request signature v1";
    static final int SIGNATURE_LENGTH = 64;
    /** A header holds one identity (an ML-KEM key is 1.6 KB in base64) and a few short fields. */
    static final int MAX_HEADER_BYTES = 64 * 1024;

    private RequestMessage() {
    }

    /** A parsed request: the header as a typed value and as the exact bytes that were signed. */
    record Parsed(ServingRequest header, byte[] headerBytes, byte[] inputs, byte[] signature) {
    }

    /**
     * What the data provider signs: the contract hash, the instance keys it attested, the HPKE {@code enc} the
     * request travels in, its header and its inputs. A request therefore opens and verifies only at the instance it
     * was sealed to, in the encapsulation it was sealed in.
     */
    static byte[] signingMessage(byte[] contractHash, byte[] instanceKeysDigest, byte[] enc, byte[] header, byte[] inputs) {
        return Digests.labelled256(SIGNATURE_LABEL, contractHash, instanceKeysDigest, enc, header, inputs);
    }

    static byte[] encode(byte[] header, byte[] inputs, byte[] signature) {
        ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 4 + header.length + 4 + inputs.length + 2 + signature.length);
        b.put(MAGIC).putInt(header.length).put(header).putInt(inputs.length).put(inputs)
                .putShort((short) signature.length).put(signature);
        return b.array();
    }

    static Parsed parse(byte[] plaintext) throws ProtocolException {
        ByteBuffer b = ByteBuffer.wrap(plaintext);
        byte[] magic = take(b, MAGIC.length, "its magic");
        if (!Arrays.equals(magic, MAGIC)) {
            throw new ProtocolException("serving request does not start with VEILSRQ1 (another version or not a request)");
        }
        int headerLength = length(b, 4, "header");
        if (headerLength > MAX_HEADER_BYTES) {
            throw new ProtocolException("serving request header is " + headerLength + " bytes, over " + MAX_HEADER_BYTES);
        }
        byte[] header = take(b, headerLength, "its header");
        byte[] inputs = take(b, length(b, 4, "inputs"), "its inputs");
        int signatureLength = length(b, 2, "signature");
        if (signatureLength != SIGNATURE_LENGTH) {
            throw new ProtocolException("serving request signature is " + signatureLength + " bytes, expected an Ed25519 signature of 64");
        }
        byte[] signature = take(b, signatureLength, "its signature");
        if (b.hasRemaining()) {
            throw new ProtocolException("serving request has " + b.remaining() + " bytes after its signature");
        }
        ServingRequest parsed = Json.parse(header, ServingRequest.class, "serving request header");
        if (!Arrays.equals(Json.canonical(parsed), header)) {
            // one encoding per request: what is signed is byte for byte what is parsed and used
            throw new ProtocolException("serving request header is not in canonical form (sorted keys, no whitespace)");
        }
        return new Parsed(parsed, header, inputs, signature);
    }

    private static int length(ByteBuffer b, int width, String what) throws ProtocolException {
        if (b.remaining() < width) {
            throw new ProtocolException("serving request ends before the length of its " + what);
        }
        long n = width == 4 ? Integer.toUnsignedLong(b.getInt()) : Short.toUnsignedInt(b.getShort());
        if (n > b.remaining()) {
            throw new ProtocolException("serving request " + what + " length " + n + " runs past its end (" + b.remaining() + " bytes left)");
        }
        return (int) n;
    }

    private static byte[] take(ByteBuffer b, int n, String what) throws ProtocolException {
        if (b.remaining() < n) {
            throw new ProtocolException("serving request ends before " + what);
        }
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }
}
