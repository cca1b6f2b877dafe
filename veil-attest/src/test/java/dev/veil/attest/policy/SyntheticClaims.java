package dev.veil.attest.policy;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import dev.veil.attest.claims.CollateralKind;
import dev.veil.attest.claims.DcapClaims;
import dev.veil.attest.claims.DcapProvenance;
import dev.veil.attest.claims.IntelTcb;
import dev.veil.attest.claims.NitroClaims;
import dev.veil.attest.claims.SimClaims;
import dev.veil.attest.claims.SnpClaims;
import dev.veil.attest.dcap.ReportBody;
import dev.veil.attest.dcap.TcbStatus;
import dev.veil.attest.nitro.NitroDocument;
import dev.veil.attest.snp.SnpReport;
import dev.veil.attest.snp.TcbVersion;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Claims as each platform's verifier reports them, built here without evidence so a policy rule can be tried on its
 * own: a launch measurement of 0x5a bytes, the given report data, and typed platform claims.
 */
final class SyntheticClaims {
    private SyntheticClaims() {
    }

    static byte[] measurement(Platform p) {
        return filled(p.measurementLength(), 0x5a);
    }

    /** A TDX platform with Intel's verdict {@code tcb} and {@code missing} collateral. */
    static Claims tdx(byte[] reportData, boolean debug, IntelTcb tcb, Set<CollateralKind> missing) {
        DcapProvenance provenance = new DcapProvenance(4, "00806f050000", "Intel SGX PCK Platform CA", "checked", "checked",
                Optional.empty(), Optional.empty(), Optional.empty(), "0");
        return new Claims(measurement(Platform.TDX), reportData, debug,
                new DcapClaims(new ReportBody.Td(new byte[ReportBody.Td.LENGTH_10]), tcb, missing, provenance));
    }

    /** Pins of RTMR0..2 as {@link #tdx} reports them (its TD body is all zeros), which every TDX contract needs. */
    static Map<String, String> tdxRtmrPins() {
        return Map.of("rtmr0", "00".repeat(48), "rtmr1", "00".repeat(48), "rtmr2", "00".repeat(48));
    }

    /** A TDX platform a careful operator accepts: UpToDate, no advisory, evaluation data number 17, all collateral. */
    static IntelTcb upToDate() {
        return new IntelTcb(TcbStatus.UP_TO_DATE, List.of(), OptionalLong.of(17));
    }

    /** An SNP report at {@code vmpl} with guest policy {@code policy}, whose chain reported {@code tcb}. */
    static Claims snp(byte[] reportData, int vmpl, long policy, TcbVersion tcb, Set<CollateralKind> missing) {
        byte[] b = new byte[SnpReport.LENGTH];
        ByteBuffer r = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        r.putInt(0x00, 2);
        r.putLong(0x08, policy | SnpReport.POLICY_RESERVED_ONE);
        r.putInt(0x30, vmpl);
        r.putInt(0x34, 1);
        r.putLong(0x180, tcb.raw());
        SnpReport report;
        try {
            report = SnpReport.parse(b);
        } catch (AttestationException e) {
            throw new IllegalStateException(e);
        }
        return new Claims(measurement(Platform.SEV_SNP), reportData, false,
                new SnpClaims(report, "Milan", SnpClaims.SigningKey.VCEK, tcb, Optional.empty(), missing));
    }

    /** A Milan/Genoa TCB_VERSION (no FMC). */
    static TcbVersion milanTcb(int bl, int tee, int snp, int ucode) {
        return TcbVersion.decode(bl | (long) tee << 8 | (long) snp << 48 | (long) ucode << 56, false);
    }

    /** A Turin TCB_VERSION, which carries FMC. */
    static TcbVersion turinTcb(int fmc, int bl, int tee, int snp, int ucode) {
        return TcbVersion.decode(fmc | (long) bl << 8 | (long) tee << 16 | (long) snp << 24 | (long) ucode << 56, true);
    }

    static Claims nitro(byte[] reportData) {
        byte[] pcr0 = measurement(Platform.NITRO);
        NitroDocument doc = new NitroDocument(new byte[0], new byte[0], new byte[0], NitroDocument.ES384, "i-0", "SHA384", 1L,
                Map.of(0, pcr0), new byte[0], List.of(), null, reportData, null);
        return new Claims(pcr0, reportData, false, new NitroClaims(doc, "CN=test"));
    }

    static Claims sim(byte[] reportData) {
        return new Claims(measurement(Platform.SIM), reportData, false, new SimClaims(new byte[64]));
    }

    static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }
}
