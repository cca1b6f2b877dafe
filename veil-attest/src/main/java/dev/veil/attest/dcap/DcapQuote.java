package dev.veil.attest.dcap;

import dev.veil.attest.AttestationException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * An Intel DCAP ECDSA quote: version 3 (SGX), 4 (SGX or TDX) or 5 (typed body: SGX, TD 1.0 or TD 1.5), with its
 * signature data — quote signature, attestation key, the Quoting Enclave's report, its signature by the PCK, the QE
 * authentication data and the certification data, which must be the PCK chain (type 5). Layout and Intel's format
 * rules (QVL Quote::validate: Intel's QE vendor id, v3 is SGX only, certification data types), no crypto.
 * Bytes after the signature data are not covered by any signature; they are counted and reported, not parsed.
 */
public record DcapQuote(int version, int teeType, byte[] signedBytes, ReportBody body, byte[] quoteSignature,
                        byte[] attestationKey, ReportBody.Sgx qeReport, byte[] qeReportSignature, byte[] qeAuthData,
                        int certDataType, byte[] certData, int trailingBytes, boolean trailingAllZero) {
    public static final int TEE_SGX = 0x00000000;
    public static final int TEE_TDX = 0x00000081;
    static final int HEADER = 48;
    static final int CERT_PCK_CHAIN = 5;
    static final int CERT_QE_REPORT = 6;
    /** The QE vendor id of Intel's Quoting Enclave (QVL QuoteConstants INTEL_QE_VENDOR_ID). */
    private static final byte[] INTEL_QE_VENDOR_ID = HexFormat.of().parseHex("939a7233f79c4ca9940a0db3957f0607");

    public static DcapQuote parse(byte[] q) throws AttestationException {
        Reader r = new Reader(q);
        int version = r.u16();
        int keyType = r.u16();
        int tee = r.u32();
        if (version < 3 || version > 5) {
            throw new AttestationException("quote version", Integer.toString(version), "3, 4 or 5");
        }
        if (keyType != 2) {
            throw new AttestationException("quote attestation key type", Integer.toString(keyType), "2 (ECDSA-256 with P-256)");
        }
        if (tee != TEE_SGX && tee != TEE_TDX) {
            throw new AttestationException("quote TEE type", String.format("0x%08x", tee), "0x00000000 (SGX) or 0x00000081 (TDX)");
        }
        if (version == 3 && tee != TEE_SGX) {
            throw new AttestationException("quote v3 TEE type", String.format("0x%08x", tee), "0x00000000 (version 3 quotes are SGX only)");
        }
        r.skip(4);            // QE SVN and PCE SVN: covered by the signature, not used here
        byte[] vendor = r.bytes(16);
        if (!MessageDigest.isEqual(vendor, INTEL_QE_VENDOR_ID)) {
            throw new AttestationException("quote QE vendor id", HexFormat.of().formatHex(vendor),
                    HexFormat.of().formatHex(INTEL_QE_VENDOR_ID) + " (Intel's Quoting Enclave)");
        }
        r.skip(HEADER - 28);  // user data: covered by the signature, not used here
        ReportBody body;
        if (version == 5) {
            int bodyType = r.u16();
            int size = r.u32();
            int expected = switch (bodyType) {
                case 1 -> ReportBody.Sgx.LENGTH;
                case 2 -> ReportBody.Td.LENGTH_10;
                case 3 -> ReportBody.Td.LENGTH_15;
                default -> throw new AttestationException("quote v5 body type", Integer.toString(bodyType), "1 (SGX), 2 (TD 1.0) or 3 (TD 1.5)");
            };
            if (size != expected) {
                throw new AttestationException("quote v5 body size", Integer.toString(size), Integer.toString(expected));
            }
            body = bodyType == 1 ? new ReportBody.Sgx(r.bytes(size)) : new ReportBody.Td(r.bytes(size));
        } else {
            body = tee == TEE_TDX ? new ReportBody.Td(r.bytes(ReportBody.Td.LENGTH_10)) : new ReportBody.Sgx(r.bytes(ReportBody.Sgx.LENGTH));
        }
        if ((tee == TEE_TDX) != (body instanceof ReportBody.Td)) {
            throw new AttestationException("quote body", body instanceof ReportBody.Td ? "a TD report" : "an SGX report",
                    "a body matching the header's TEE type");
        }
        byte[] signed = Arrays.copyOf(q, r.position());
        int sigLen = r.u32();
        if (sigLen > r.remaining()) {
            throw new AttestationException("quote signature data length", Integer.toString(sigLen), "at most the " + r.remaining() + " bytes left");
        }
        int sigEnd = r.position() + sigLen;
        byte[] quoteSig = r.bytes(64);
        byte[] attKey = r.bytes(64);
        int certType;
        byte[] certData;
        ReportBody.Sgx qe;
        byte[] qeSig;
        byte[] auth;
        if (version == 3) {
            qe = new ReportBody.Sgx(r.bytes(ReportBody.Sgx.LENGTH));
            qeSig = r.bytes(64);
            auth = r.bytes(r.u16());
            certType = r.u16();
            certData = r.bytes(r.u32());
            requirePckChain("quote certification data type", certType);
        } else {
            int outerType = r.u16();
            int outerLen = r.u32();
            if (outerType != CERT_QE_REPORT) {
                throw new AttestationException("quote certification data type", Integer.toString(outerType), "6 (QE report certification data)");
            }
            int outerEnd = r.position() + outerLen;
            qe = new ReportBody.Sgx(r.bytes(ReportBody.Sgx.LENGTH));
            qeSig = r.bytes(64);
            auth = r.bytes(r.u16());
            certType = r.u16();
            certData = r.bytes(r.u32());
            requirePckChain("quote QE report certification data type", certType);
            if (r.position() != outerEnd) {
                throw new AttestationException("quote QE certification data length", Integer.toString(outerLen),
                        Integer.toString(outerLen - (outerEnd - r.position())) + " (the sum of its parts)");
            }
        }
        if (r.position() != sigEnd) {
            throw new AttestationException("quote signature data length", Integer.toString(sigLen),
                    (r.position() - (sigEnd - sigLen)) + " (the sum of its parts)");
        }
        int trailing = q.length - sigEnd;
        boolean zero = true;
        for (int i = sigEnd; i < q.length; i++) {
            zero &= q[i] == 0;
        }
        return new DcapQuote(version, tee, signed, body, quoteSig, attKey, qe, qeSig, auth, certType, certData, trailing, zero);
    }

    /**
     * Intel defines types 1–5 for the data certifying the QE; Veil accepts only 5, the PCK certificate chain, so every
     * quote carries the chain that identifies its platform (types 1–4 would leave the PCK to be found elsewhere).
     */
    private static void requirePckChain(String claim, int type) throws AttestationException {
        if (type != CERT_PCK_CHAIN) {
            throw new AttestationException(claim, Integer.toString(type), "5 (the PCK certificate chain)");
        }
    }

    /** Bounds-checked little-endian reader: every read names what ran short. */
    private static final class Reader {
        private final ByteBuffer b;

        Reader(byte[] q) {
            b = ByteBuffer.wrap(q).order(ByteOrder.LITTLE_ENDIAN);
        }

        int u16() throws AttestationException {
            need(2);
            return b.getShort() & 0xffff;
        }

        int u32() throws AttestationException {
            need(4);
            int v = b.getInt();
            if (v < 0) {
                throw new AttestationException("quote length field at offset " + (b.position() - 4), Integer.toUnsignedString(v), "below 2^31");
            }
            return v;
        }

        byte[] bytes(int n) throws AttestationException {
            need(n);
            byte[] x = new byte[n];
            b.get(x);
            return x;
        }

        void skip(int n) throws AttestationException {
            need(n);
            b.position(b.position() + n);
        }

        int position() {
            return b.position();
        }

        int remaining() {
            return b.remaining();
        }

        private void need(int n) throws AttestationException {
            if (n < 0 || b.remaining() < n) {
                throw new AttestationException("quote length", "truncated at offset " + b.position() + " (" + b.remaining()
                        + " bytes left, " + n + " needed)", "a complete quote");
            }
        }
    }
}
