package dev.veil.attest.snp;

import dev.veil.attest.AttestationException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An SEV-SNP ATTESTATION_REPORT (1184 bytes, little-endian), versions 2 to 5, parsed by offset with no cryptography
 * (AMD SEV-SNP ABI specification, "ATTESTATION_REPORT Structure"). The signature covers bytes 0x000–0x29F.
 */
public record SnpReport(int version, int guestSvn, long policy, byte[] familyId, byte[] imageId, int vmpl,
                        int signatureAlgo, long currentTcb, long platformInfo, int keyInfo, byte[] reportData,
                        byte[] measurement, byte[] hostData, byte[] idKeyDigest, byte[] authorKeyDigest, byte[] reportId,
                        byte[] reportIdMa, long reportedTcb, int cpuidFamily, int cpuidModel, int cpuidStepping,
                        byte[] chipId, long committedTcb, long launchTcb, byte[] signedBytes, byte[] signatureR,
                        byte[] signatureS) {
    public static final int LENGTH = 0x4A0;
    public static final int SIGNED_LENGTH = 0x2A0;
    public static final int SIGNING_KEY_VCEK = 0;
    public static final int SIGNING_KEY_VLEK = 1;

    /** Guest policy bits (ABI specification, "GUEST_POLICY"). */
    public static final long POLICY_SMT = 1L << 16;
    public static final long POLICY_RESERVED_ONE = 1L << 17;
    public static final long POLICY_MIGRATE_MA = 1L << 18;
    public static final long POLICY_DEBUG = 1L << 19;
    public static final long POLICY_SINGLE_SOCKET = 1L << 20;
    public static final long POLICY_CXL_ALLOW = 1L << 21;
    public static final long POLICY_MEM_AES_256_XTS = 1L << 22;
    public static final long POLICY_RAPL_DIS = 1L << 23;
    public static final long POLICY_CIPHERTEXT_HIDING_DRAM = 1L << 24;
    public static final long POLICY_PAGE_SWAP_DISABLE = 1L << 25;
    /**
     * Bits 63:26 are reserved (must be zero) in ABI 1.58. Firmware refuses a launch with a policy bit it does not
     * know, so a set bit here means a newer firmware and a meaning this verifier cannot judge (it may hand the guest
     * out as MIGRATE_MA and DEBUG do): refused rather than ignored.
     */
    public static final long POLICY_RESERVED_MBZ = -1L << 26;

    /** Key-info bits at 0x48 (ABI specification, ATTESTATION_REPORT): AUTHOR_KEY_EN, MASK_CHIP_KEY, SIGNING_KEY. */
    public static final int KEY_INFO_AUTHOR_KEY_EN = 1;
    public static final int KEY_INFO_MASK_CHIP_KEY = 1 << 1;
    private static final int KEY_INFO_DEFINED = 0x1F;

    public static SnpReport parse(byte[] b) throws AttestationException {
        if (b.length != LENGTH) {
            throw new AttestationException("SNP report length", b.length + " bytes", LENGTH + " bytes (0x4A0)");
        }
        ByteBuffer r = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int version = r.getInt(0x00);
        if (version < 2 || version > 5) {
            throw new AttestationException("SNP report version", Integer.toString(version), "2, 3, 4 or 5");
        }
        int algo = r.getInt(0x34);
        if (algo != 1) {
            throw new AttestationException("SNP report signature_algo", Integer.toString(algo), "1 (ECDSA P-384 with SHA-384)");
        }
        long policy = r.getLong(0x08);
        if ((policy & POLICY_RESERVED_ONE) == 0) {
            throw new AttestationException("SNP guest policy bit 17", "0", "1 (reserved, must be one)");
        }
        if ((policy & POLICY_RESERVED_MBZ) != 0) {
            throw new AttestationException("SNP guest policy bits 63:26", String.format("0x%x", policy & POLICY_RESERVED_MBZ),
                    "zero (reserved in the SEV-SNP ABI 1.58; a bit this verifier does not know cannot be judged)");
        }
        int vmpl = r.getInt(0x30);
        if (Integer.compareUnsigned(vmpl, 3) > 0) {   // an unsigned field: 0x80000000 and above must not read as negative
            throw new AttestationException("SNP report VMPL", Integer.toUnsignedString(vmpl), "0..3");
        }
        int keyInfo = r.getInt(0x48);
        if ((keyInfo & ~KEY_INFO_DEFINED) != 0) {
            throw new AttestationException("SNP report key-info bits 31:5 (0x48)", String.format("0x%08x", keyInfo),
                    "zero (reserved)");
        }
        requireZero(b, 0x4C, 0x50, "reserved bytes after key-info");
        requireZero(b, 0x1F8 + (version >= 5 ? 16 : 0), SIGNED_LENGTH, "reserved bytes before the signature");
        requireZero(b, SIGNED_LENGTH + 144, LENGTH, "signature padding after R and S");
        return new SnpReport(version, r.getInt(0x04), policy, slice(b, 0x10, 16), slice(b, 0x20, 16), vmpl, algo,
                r.getLong(0x38), r.getLong(0x40), keyInfo, slice(b, 0x50, 64), slice(b, 0x90, 48),
                slice(b, 0xC0, 32), slice(b, 0xE0, 48), slice(b, 0x110, 48), slice(b, 0x140, 32), slice(b, 0x160, 32),
                r.getLong(0x180), version >= 3 ? b[0x188] & 0xff : 0, version >= 3 ? b[0x189] & 0xff : 0,
                version >= 3 ? b[0x18A] & 0xff : 0, slice(b, 0x1A0, 64), r.getLong(0x1E0), r.getLong(0x1F0),
                slice(b, 0, SIGNED_LENGTH), slice(b, SIGNED_LENGTH, 72), slice(b, SIGNED_LENGTH + 72, 72));
    }

    /** Bits 4:2 of the key-info field: 0 = VCEK, 1 = VLEK, 7 = no key. */
    public int signingKey() {
        return (keyInfo >>> 2) & 0x7;
    }

    public boolean debug() {
        return policyBit(POLICY_DEBUG);
    }

    public boolean policyBit(long mask) {
        return (policy & mask) != 0;
    }

    /**
     * MASK_CHIP_KEY (0x48 bit 1): the platform owner configured the firmware (SNP_CONFIG) not to use the VCEK for
     * attestation; the firmware then writes zeroes where the signature goes, so such a report is not signed at all.
     */
    public boolean maskChipKey() {
        return (keyInfo & KEY_INFO_MASK_CHIP_KEY) != 0;
    }

    /**
     * True when CHIP_ID is all zeroes: the platform owner set MASK_CHIP_ID (SNP_CONFIG), so the report does not say
     * which chip it came from. MASK_CHIP_ID has no bit in the report; a zero CHIP_ID is how it shows.
     */
    public boolean maskChipId() {
        for (int i = 0; i < chipId.length; i++) {
            if (chipId[i] != 0) {
                return false;
            }
        }
        return true;
    }

    public boolean authorKeyEnabled() {
        return (keyInfo & KEY_INFO_AUTHOR_KEY_EN) != 0;
    }

    /** Turin and later (family 0x1A) use the Turin TCB layout; v2 reports carry no CPUID, so the chain decides. */
    public boolean cpuidSaysTurin() {
        return cpuidFamily >= 0x1A;
    }

    private static byte[] slice(byte[] b, int off, int len) {
        return Arrays.copyOfRange(b, off, off + len);
    }

    private static void requireZero(byte[] b, int from, int to, String what) throws AttestationException {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                throw new AttestationException("SNP report " + what + String.format(" (0x%03X)", i),
                        String.format("0x%02x", b[i]), "zero");
            }
        }
    }
}
