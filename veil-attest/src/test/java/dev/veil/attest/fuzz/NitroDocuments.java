package dev.veil.attest.fuzz;

import dev.veil.attest.Vectors;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * The genuine Nitro attestation documents of testdata/vectors, each with an instant at which its certificates were
 * valid (NitroVectorsTest), split into their four COSE_Sign1 parts so one part can be replaced.
 */
final class NitroDocuments {
    static final List<String> FILES = List.of("eternis-example_attestation.decoded.bin",
            "evervault-beta-debug-mode-attestation-doc.bin", "evervault-beta-valid-attestation-doc.bin",
            "evervault-valid-attestation-doc-base64.decoded.bin", "eternis-invalid_attestation.decoded.bin");
    static final List<Instant> AT = List.of(Instant.parse("2024-09-09T20:00:00Z"), Instant.parse("2022-10-12T14:00:00Z"),
            Instant.parse("2022-10-13T09:00:00Z"), Instant.parse("2023-09-18T15:10:00Z"), Instant.parse("2024-07-23T21:30:00Z"));
    /** Each document's parts, as raw CBOR items: protected header (bstr), unprotected header (map), payload, signature. */
    static final List<byte[][]> PARTS = FILES.stream().map(f -> split(Vectors.read("nitro/" + f))).toList();

    private NitroDocuments() {
    }

    /** The document with part {@code index} replaced by {@code item} (raw CBOR) and re-framed as a COSE_Sign1 array. */
    static byte[] withPart(int doc, int index, byte[] item) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x84);
        byte[][] parts = PARTS.get(doc);
        for (int i = 0; i < 4; i++) {
            out.writeBytes(i == index ? item : parts[i]);
        }
        return out.toByteArray();
    }

    /** A byte string item holding {@code content}. */
    static byte[] bstr(byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int n = content.length;
        if (n < 24) {
            out.write(0x40 | n);
        } else if (n < 256) {
            out.write(0x58);
            out.write(n);
        } else if (n < 65536) {
            out.write(0x59);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0x5a);
            out.writeBytes(new byte[] {(byte) (n >> 24), (byte) (n >> 16), (byte) (n >> 8), (byte) n});
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    /** Splits a genuine document, framed as the vectors are: array(4) [bstr, empty map, bstr, bstr]. */
    private static byte[][] split(byte[] doc) {
        if ((doc[0] & 0xff) != 0x84) {
            throw new IllegalStateException("vector is not an untagged COSE_Sign1 array");
        }
        byte[][] parts = new byte[4][];
        int at = 1;
        for (int i = 0; i < 4; i++) {
            int end = at + itemLength(doc, at);
            parts[i] = Arrays.copyOfRange(doc, at, end);
            at = end;
        }
        return parts;
    }

    private static int itemLength(byte[] b, int at) {
        int head = b[at] & 0xff;
        if (head == 0xa0) {
            return 1;
        }
        int info = head & 0x1f;
        if (head >> 5 != 2) {
            throw new IllegalStateException("unexpected CBOR item 0x" + Integer.toHexString(head));
        }
        return switch (info) {
            case 24 -> 2 + (b[at + 1] & 0xff);
            case 25 -> 3 + (((b[at + 1] & 0xff) << 8) | (b[at + 2] & 0xff));
            default -> 1 + info;
        };
    }
}
