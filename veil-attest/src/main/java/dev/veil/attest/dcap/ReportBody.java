package dev.veil.attest.dcap;

import java.util.Arrays;

/**
 * The enclave or TD report inside a DCAP quote: an SGX report body (384 bytes) or a TDX TD report (584 bytes for
 * TD 1.0, 648 for TD 1.5). Offsets from Intel's SGX and TDX DCAP Quote Generation library documentation.
 */
public sealed interface ReportBody permits ReportBody.Sgx, ReportBody.Td {
    byte[] reportData();

    /** The primary launch measurement: MRENCLAVE (SGX) or MRTD (TDX). */
    byte[] measurement();

    boolean debug();

    /** SGX enclave report body. Debug is ATTRIBUTES.FLAGS bit 1. */
    record Sgx(byte[] raw) implements ReportBody {
        public static final int LENGTH = 384;

        public byte[] cpuSvn() { return slice(0, 16); }
        public int miscSelect() { return le32(raw, 16); }
        public byte[] attributes() { return slice(48, 16); }
        public byte[] mrEnclave() { return slice(64, 32); }
        public byte[] mrSigner() { return slice(128, 32); }
        public byte[] configId() { return slice(192, 64); }
        public int isvProdId() { return le16(raw, 256); }
        public int isvSvn() { return le16(raw, 258); }
        public int configSvn() { return le16(raw, 260); }
        public byte[] isvFamilyId() { return slice(304, 16); }
        @Override public byte[] reportData() { return slice(320, 64); }
        @Override public byte[] measurement() { return mrEnclave(); }
        @Override public boolean debug() { return (raw[48] & 0x02) != 0; }

        private byte[] slice(int off, int len) {
            return Arrays.copyOfRange(raw, off, off + len);
        }
    }

    /**
     * TDX TD report (TD 1.0, and TD 1.5 with TEE_TCB_SVN2 and MRSERVICETD). Debug is any bit of TDATTRIBUTES' TUD group
     * (bits 7:0), not only DEBUG (bit 0): Intel's TDX ABI calls a TD with any TUD flag set untrusted, and a flag a later
     * module defines there (newer modules put "TD under profiling" flags in bits 7:4) cannot be judged here, so it is
     * refused with debug unless allow_debug. MIGRATABLE is TDATTRIBUTES bit 29.
     */
    record Td(byte[] raw) implements ReportBody {
        public static final int LENGTH_10 = 584;
        public static final int LENGTH_15 = 648;

        public byte[] teeTcbSvn() { return slice(0, 16); }
        public byte[] mrSeam() { return slice(16, 48); }
        public byte[] mrSignerSeam() { return slice(64, 48); }
        public byte[] seamAttributes() { return slice(112, 8); }
        public byte[] tdAttributes() { return slice(120, 8); }
        public byte[] xfam() { return slice(128, 8); }
        public byte[] mrTd() { return slice(136, 48); }
        public byte[] mrConfigId() { return slice(184, 48); }
        public byte[] mrOwner() { return slice(232, 48); }
        public byte[] mrOwnerConfig() { return slice(280, 48); }
        public byte[] rtmr(int i) { return slice(328 + 48 * i, 48); }
        @Override public byte[] reportData() { return slice(520, 64); }
        @Override public byte[] measurement() { return mrTd(); }
        public boolean td15() { return raw.length == LENGTH_15; }
        public byte[] teeTcbSvn2() { return td15() ? slice(584, 16) : new byte[0]; }
        public byte[] mrServiceTd() { return td15() ? slice(600, 48) : new byte[0]; }
        @Override public boolean debug() { return (raw[120] & 0xff) != 0; }
        /** A Migration TD, bound by the host, may export this TD's memory and state to another platform. */
        public boolean migratable() { return (raw[123] & 0x20) != 0; }

        private byte[] slice(int off, int len) {
            return Arrays.copyOfRange(raw, off, off + len);
        }
    }

    static int le16(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8;
    }

    static int le32(byte[] b, int off) {
        return le16(b, off) | le16(b, off + 2) << 16;
    }
}
