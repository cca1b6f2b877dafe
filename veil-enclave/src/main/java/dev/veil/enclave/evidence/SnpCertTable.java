package dev.veil.enclave.evidence;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The SEV-SNP certificate table the host supplies with an extended report (GHCB specification, "SNP Extended Guest
 * Request"): entries of {GUID (16), offset (u32), length (u32)} ended by an all-zero entry, offsets relative to the
 * table. It carries the VCEK or VLEK and usually the ASK/ARK, which the provider needs to verify the report.
 */
final class SnpCertTable {
    private static final int ENTRY = 24;
    private static final int MAX_ENTRIES = 64;

    private SnpCertTable() {
    }

    /** The certificates (DER) in the table; an empty or absent table gives none. */
    static List<byte[]> certificates(byte[] table) throws java.io.IOException {
        List<byte[]> out = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < MAX_ENTRIES && (i + 1) * ENTRY <= table.length; i++) {
            byte[] guid = Arrays.copyOfRange(table, i * ENTRY, i * ENTRY + 16);
            int offset = b.getInt(i * ENTRY + 16);
            int length = b.getInt(i * ENTRY + 20);
            if (isZero(guid) && offset == 0 && length == 0) {
                return out;
            }
            if (offset < 0 || length < 0 || (long) offset + length > table.length) {
                throw new java.io.IOException("SNP certificate table entry " + i + " points outside the table");
            }
            out.add(Arrays.copyOfRange(table, offset, offset + length));
        }
        if (table.length == 0) {
            return out;
        }
        throw new java.io.IOException("SNP certificate table has no terminating entry");
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
