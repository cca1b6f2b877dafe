package dev.veil.attest.snp;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Vectors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Layout checks of the ATTESTATION_REPORT parser, each on a real report (virtee's Milan sample) edited to break it. */
class SnpReportParseTest {
    private static byte[] real() {
        return Vectors.read("sev-snp/virtee-milan-report.bin");
    }

    private static byte[] withInt(int offset, int value) {
        byte[] b = real();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, value);
        return b;
    }

    @Test
    void unknownReportVersionIsRefused() {
        for (int v : new int[] {0, 1, 6, 0x10000}) {
            assertThatThrownBy(() -> SnpReport.parse(withInt(0x00, v))).hasMessageContaining("SNP report version is " + v);
        }
    }

    @Test
    void signatureAlgorithmOtherThanEcdsaP384IsRefused() {
        assertThatThrownBy(() -> SnpReport.parse(withInt(0x34, 2))).hasMessageContaining("SNP report signature_algo is 2");
    }

    @Test
    void policyWithReservedBit17ClearIsRefused() {
        byte[] b = real();
        b[0x0A] &= ~0x02;
        assertThatThrownBy(() -> SnpReport.parse(b)).hasMessageContaining("SNP guest policy bit 17 is 0");
    }

    @Test
    void vmplAbove3IsRefused() {
        assertThatThrownBy(() -> SnpReport.parse(withInt(0x30, 4))).hasMessageContaining("SNP report VMPL is 4");
    }

    @Test
    void reservedKeyInfoBitsAndTheWordAfterThemMustBeZero() {
        assertThatThrownBy(() -> SnpReport.parse(withInt(0x48, 1 << 7))).hasMessageContaining("key-info bits 31:5 (0x48)");
        assertThatThrownBy(() -> SnpReport.parse(withInt(0x4C, 1))).hasMessageContaining("reserved bytes after key-info (0x04C)");
    }

    @Test
    void reservedBytesBeforeTheSignatureMustBeZero() {
        byte[] b = real();
        b[0x29F] = 1;
        assertThatThrownBy(() -> SnpReport.parse(b)).hasMessageContaining("reserved bytes before the signature (0x29F)");
    }

    @Test
    void signaturePaddingMustBeZero() {
        byte[] b = real();
        b[SnpReport.LENGTH - 1] = 1;
        assertThatThrownBy(() -> SnpReport.parse(b)).hasMessageContaining("signature padding after R and S");
    }

    @Test
    void signingKeyValueNoneIsRefusedByTheVerifier() {
        byte[] b = withInt(0x48, 7 << 2);
        assertThatThrownBy(() -> new SnpEvidenceVerifier().verify(b, dev.veil.attest.VerificationOptions.at(TestAmdPki.AT)))
                .hasMessageContaining("SNP report signing key is 7");
    }
}
