package dev.veil.protocol.translog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Pins the bytes docs/PROTOCOL.md ("Transparency log") describes: the leaf encoding and hash, the three commitments
 * and the tree head's signing message. The expected values were computed apart from this code, with Python's
 * hashlib and struct over the layout as documented:
 * <pre>
 *   lab = sha256(label + b"\0" + b"".join(len(p).to_bytes(4, "big") + p for p in parts))
 *   leaf = b"veil log leaf v1\0" + contract + struct.pack(">QQ", seq, ts) + request + response + requester
 *   leaf hash = sha256(b"\0" + leaf)
 * </pre>
 */
class LogEncodingKnownAnswerTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] CONTRACT = Digests.sha256("contract A".getBytes(StandardCharsets.US_ASCII));

    @Test
    void leafEncodingAndHash() {
        LogLeaf leaf = LogLeaf.of(CONTRACT, 5, 1_700_000_000L, new LeafCommitments(filled(0x11), filled(0x22), filled(0x33)));
        assertThat(leaf.encode()).hasSize(LogLeaf.ENCODED_LENGTH).hasSize(161);
        assertThat(HEX.formatHex(leaf.leafHash())).isEqualTo("572c7f719cd8137b41c659253f533450d14f6897368d248b8c58512cd7bc3d9d");
    }

    @Test
    void commitments() {
        byte[] signingKey = new byte[44];
        Arrays.fill(signingKey, (byte) 0x44);
        PublicIdentity requester = new PublicIdentity("data-provider", signingKey, KeyWrapSuite.X25519, filled(0x55));
        LeafCommitments c = LeafCommitments.commit(new LeafSalts(filled(0x01), filled(0x02), filled(0x03)), filled(0xaa), filled(0xbb), requester);
        assertThat(HEX.formatHex(c.request())).isEqualTo("9bb2e29327112021fe54580417726cf8b67e0a9b3db9ec8430bd52d101f23b07");
        assertThat(HEX.formatHex(c.response())).isEqualTo("0d4765819b3e55a4cc1aa207a4dabeb27ab62b7aee0ad0b007816a43d64585fa");
        assertThat(HEX.formatHex(c.requester())).isEqualTo("f0c52384125341c9890255f09f764b5d95bf5efd1fb14b5b0162cf863c1935ed");
    }

    @Test
    void treeHeadSigningMessage() {
        TreeHead head = TreeHead.of(CONTRACT, 7, filled(0x66), 1_700_000_001L);
        assertThat(HEX.formatHex(head.signingMessage())).isEqualTo("fdc1ca1cbf85b9e2c388735437aeba534e3694495187ecb0bb63400cd829cfe1");
    }

    private static byte[] filled(int b) {
        byte[] out = new byte[32];
        Arrays.fill(out, (byte) b);
        return out;
    }
}
