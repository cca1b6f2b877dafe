package dev.veil.attest.snp;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Vectors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * VMPL is an unsigned 32-bit field that the ABI allows to be 0..3. It was read as a signed int and only checked
 * against "above 3", so 0x80000000..0xFFFFFFFF parsed as a negative level: one strict parse refuses every value
 * outside 0..3 before anything else reads the report (the policy happened to refuse the negative level too, as
 * "-1" is not "0" and no pin may name it, but a parser must not lean on that).
 */
class VmplAboveTwoToThe31AttackTest {
    @Test
    void vmplWithTheTopBitSetIsRefusedByTheParser() {
        for (int vmpl : new int[] {-1, Integer.MIN_VALUE, 0x80000000 | 1}) {
            byte[] b = Vectors.read("sev-snp/virtee-milan-report.bin");
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(0x30, vmpl);
            assertThatThrownBy(() -> SnpReport.parse(b)).hasMessageContaining("SNP report VMPL is " + Integer.toUnsignedString(vmpl));
        }
    }
}
