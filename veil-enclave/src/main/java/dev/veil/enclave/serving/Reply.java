package dev.veil.enclave.serving;

import java.nio.charset.StandardCharsets;

/** An endpoint's answer: status, content type and body, all built before anything is written. */
public record Reply(int status, String contentType, byte[] body) {
    public static final String JSON = "application/json";
    public static final String BINARY = "application/octet-stream";

    public static Reply json(byte[] body) {
        return new Reply(200, JSON, body);
    }

    public static Reply text(int status, String contentType, String body) {
        return new Reply(status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }
}
