package dev.veil.enclave.serving;

import java.nio.charset.StandardCharsets;

/**
 * An endpoint's answer: status, content type and body (the first {@code length} bytes of {@code body}: a sealed answer's
 * buffer may hold room after it), all built before anything is written.
 */
public record Reply(int status, String contentType, byte[] body, int length) {
    public Reply {
        if (length < 0 || length > body.length) {
            throw new IllegalArgumentException("a reply's length is within its body");
        }
    }

    public Reply(int status, String contentType, byte[] body) {
        this(status, contentType, body, body.length);
    }

    public static final String JSON = "application/json";
    public static final String BINARY = "application/octet-stream";

    public static Reply json(byte[] body) {
        return new Reply(200, JSON, body);
    }

    public static Reply text(int status, String contentType, String body) {
        return new Reply(status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }
}
