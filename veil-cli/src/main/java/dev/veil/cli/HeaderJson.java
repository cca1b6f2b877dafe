package dev.veil.cli;

import dev.veil.seal.SealHeader;

/** A sealed header as one line of JSON for scripts. */
final class HeaderJson {
    private HeaderJson() {
    }

    static String of(SealHeader h) {
        return JsonOut.line(fields(h));
    }

    static java.util.Map<String, Object> fields(SealHeader h) {
        return JsonOut.fields("format_version", h.version(), "content_type", h.contentType().label(),
                "plaintext_size", h.plaintextSize(), "plaintext_sha256", h.plaintextSha256Hex(), "key_id", h.keyIdHex(),
                "segment_size", h.segmentSize());
    }
}
