package dev.veil.protocol.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.protocol.binding.EnclaveAppraisal;
import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.receipt.SignedReceipt;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The platform an enclave names travels as its short name, exactly as when it was a string, and only a platform Veil
 * knows becomes a {@link Platform}: a made-up name is refused where the message or receipt is read.
 */
class PlatformOnTheWireTest {
    private static final byte[] EVIDENCE = {1, 2, 3};

    @Test
    void platformTravelsAsItsShortName() throws ProtocolException {
        for (Platform p : Platform.values()) {
            byte[] json = Json.canonical(new Messages.EvidenceOffer(p, EVIDENCE, List.of(),
                    new InstanceKeys(new byte[32], KeyWrapSuite.X25519, new byte[32]), new byte[32]));
            assertThat(new String(json, StandardCharsets.US_ASCII)).contains("\"platform\":\"" + p.id() + "\"");
            assertThat(((Messages.EvidenceOffer) Json.parse(json, Message.class, "message from peer")).platform()).isSameAs(p);
        }
    }

    @Test
    void evidenceOfferNamingAPlatformVeilDoesNotKnowIsRefusedAsItIsRead() {
        byte[] json = offer(Platform.SIM).replace("\"platform\":\"sim\"", "\"platform\":\"sparc\"").getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> Json.parse(json, Message.class, "message from peer")).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("unknown platform 'sparc'").hasMessageNotContaining("jackson");
    }

    @Test
    void receiptNamingAPlatformVeilDoesNotKnowIsRefusedAsItIsRead() {
        String receipt = new String(Json.canonical(new SignedReceipt("discard", new byte[] {'{', '}'}, new byte[64], Platform.SIM,
                EVIDENCE, List.of(), new byte[32], null)), StandardCharsets.US_ASCII);
        assertThat(receipt).contains("\"platform\":\"sim\"");
        byte[] forged = receipt.replace("\"platform\":\"sim\"", "\"platform\":\"tdx2\"").getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> Json.parse(forged, SignedReceipt.class, "receipt")).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("unknown platform 'tdx2'");
    }

    @Test
    void evidenceWithoutAPlatformIsNotAppraised() {
        assertThatThrownBy(() -> EnclaveAppraisal.appraise(null, null, EVIDENCE, new byte[32], null, VerificationOptions.now()))
                .isInstanceOf(AttestationException.class).hasMessageContaining("platform is (absent)");
    }

    private static String offer(Platform p) {
        return new String(Json.canonical(new Messages.EvidenceOffer(p, EVIDENCE, List.of(),
                    new InstanceKeys(new byte[32], KeyWrapSuite.X25519, new byte[32]), new byte[32])), StandardCharsets.US_ASCII);
    }
}
