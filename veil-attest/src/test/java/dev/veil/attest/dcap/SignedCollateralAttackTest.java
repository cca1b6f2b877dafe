package dev.veil.attest.dcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.Vectors;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Item 1 of issue 6 on Intel's real signed TCB Info (dcap-qvl's SGX set, SOURCES.md §2): the platform is
 * ConfigurationAndSWHardeningNeeded with advisories. An attacker keeps Intel's signed object and signature and adds a
 * forged copy (every status UpToDate, no advisories) where a text search and a last-wins parser disagree. Each shape
 * must be refused; the untouched response must still give Intel's status.
 */
class SignedCollateralAttackTest {
    static final String SET = "sgx/dcapqvl-sgx_quote.collateral";
    static final Instant AT = Instant.parse("2025-07-01T00:00:00Z");
    static final String REAL = new String(Vectors.read(SET + "/tcbinfo_response.json"), StandardCharsets.UTF_8);
    static final String SIGNED_BODY = REAL.substring("{\"tcbInfo\":".length(), REAL.indexOf(",\"signature\":"));
    static final String SIGNATURE = REAL.substring(REAL.indexOf(",\"signature\":") + 1, REAL.lastIndexOf('}'));
    static final String FORGED_BODY = SIGNED_BODY
            .replaceAll("\"tcbStatus\":\"[A-Za-z]+\"", "\"tcbStatus\":\"UpToDate\"").replaceAll(",\"advisoryIDs\":\\[[^\\]]*\\]", "");

    Claims verify(String tcbInfoResponse) throws Exception {
        List<byte[]> col = new ArrayList<>(DcapVectorsTest.collateral(SET));
        col.removeIf(b -> new String(b, StandardCharsets.UTF_8).contains("\"tcbInfo\""));
        col.add(tcbInfoResponse.getBytes(StandardCharsets.UTF_8));
        return new DcapEvidenceVerifier(Platform.SGX).verify(Vectors.read("sgx/dcapqvl-sgx_quote.bin"), new VerificationOptions(AT, col));
    }

    @Test
    void theUntouchedResponseGivesIntelsStatus() throws Exception {
        assertThat(REAL).startsWith("{\"tcbInfo\":{").contains(SIGNATURE);
        assertThat(FORGED_BODY.contains("advisoryIDs") || FORGED_BODY.contains("Needed")).isFalse();
        assertThat(verify(REAL).byName()).containsEntry("tcb_status", "ConfigurationAndSWHardeningNeeded")
                .containsEntry("advisory_ids", "INTEL-SA-00289,INTEL-SA-00615");
    }

    /** A last-wins parser would use the forged copy while a first-match search verifies the signed one. */
    @Test
    void duplicateTcbInfoKeyCannotUpgradeStatus() {
        String attack = "{\"tcbInfo\":" + SIGNED_BODY + ",\"tcbInfo\":" + FORGED_BODY + "," + SIGNATURE + "}";
        assertThatThrownBy(() -> verify(attack)).hasMessageContaining("PCS response is an object with a member name twice");
    }

    /** The forged copy first, Intel's after: whichever one a parser keeps, the document is refused. */
    @Test
    void duplicateTcbInfoKeyInEitherOrderIsRefused() {
        String attack = "{\"tcbInfo\":" + FORGED_BODY + ",\"tcbInfo\":" + SIGNED_BODY + "," + SIGNATURE + "}";
        assertThatThrownBy(() -> verify(attack)).hasMessageContaining("member name twice");
    }

    /** Intel's object nested under another member, earlier in the text than the forged top-level one. */
    @Test
    void nestedDecoyTcbInfoCannotStandInForTheUsedOne() {
        String attack = "{\"decoy\":{\"tcbInfo\":" + SIGNED_BODY + "},\"tcbInfo\":" + FORGED_BODY + "," + SIGNATURE + "}";
        assertThatThrownBy(() -> verify(attack)).hasMessageContaining("PCS response member 'decoy' is present, expected only [signature, tcbInfo]");
    }

    /** Intel's object hidden in a string earlier in the text: a text search finds it, a JSON parser does not. */
    @Test
    void decoyTcbInfoInsideAStringIsRefused() {
        String attack = "{\"note\":\"\\\"tcbInfo\\\":" + SIGNED_BODY.replace("\"", "\\\"") + "\",\"tcbInfo\":" + FORGED_BODY + ","
                + SIGNATURE + "}";
        assertThatThrownBy(() -> verify(attack)).hasMessageContaining("PCS response member 'note' is present");
    }

    /** A second document after Intel's: whatever reads the stream next must not find a forged TCB Info. */
    @Test
    void trailingDataAfterTheResponseIsRefused() {
        String attack = REAL.strip() + "{\"tcbInfo\":" + FORGED_BODY + "," + SIGNATURE + "}";
        assertThatThrownBy(() -> verify(attack)).hasMessageContaining("PCS response is followed by more data");
        assertThatThrownBy(() -> verify(REAL.strip() + " x")).hasMessageContaining("PCS response is not valid JSON");
    }

    /** Intel's object unchanged but its member names repeated at depth (here in the signature's wrapper). */
    @Test
    void duplicateSignatureMemberIsRefused() {
        String attack = REAL.strip().substring(0, REAL.strip().length() - 1) + "," + SIGNATURE + "}";
        assertThatThrownBy(() -> verify(attack)).hasMessageContaining("member name twice");
    }

    /** Editing the signed version (or anything signed) is refused on the version before the signature is looked at. */
    @Test
    void unknownVersionInIntelsTcbInfoIsRefusedByName() {
        String attack = REAL.replace("\"version\":3", "\"version\":4");
        assertThatThrownBy(() -> verify(attack)).hasMessageContaining("TCB Info version is 4, expected 3 (or 2, SGX only)");
    }

    /** Whitespace after the response (a file's final newline) is not data. */
    @Test
    void trailingWhitespaceIsAccepted() throws Exception {
        assertThat(verify(REAL.strip() + "\n\r\n ").byName()).containsEntry("tcb_status", "ConfigurationAndSWHardeningNeeded");
    }
}
