package dev.veil.attest.dcap;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Intel's TCB-level matching (Quote Verification Library, TcbLevelCheck and TdxModuleCheck): the platform's SGX level
 * is the first TCB Info level whose 16 SGX component SVNs and PCE SVN the PCK certificate meets; for TDX, the first
 * such level that TEE_TCB_SVN also meets (components 0–1 skipped when TEE_TCB_SVN[1] > 0, since the TDX module
 * identity covers them). Then the TDX module's identity and the Quoting Enclave's identity may downgrade the status.
 */
final class TcbEvaluation {
    /** The outcome: status, the advisories that apply, and which levels matched. */
    record Result(String status, List<String> advisoryIds, String platformLevel, String tdxModule, String qeStatus) {
    }

    private TcbEvaluation() {
    }

    static Result evaluate(JsonNode tcbInfo, PckExtensions pck, DcapQuote quote, String qeStatus, List<String> qeAdvisories) {
        boolean tdx = quote.teeType() == DcapQuote.TEE_TDX && "TDX".equalsIgnoreCase(tcbInfo.path("id").asText());
        byte[] teeTcbSvn = tdx ? ((ReportBody.Td) quote.body()).teeTcbSvn() : null;
        JsonNode sgxLevel = null;
        JsonNode tdxLevel = null;
        for (JsonNode level : tcbInfo.path("tcbLevels")) {
            if (!sgxMeets(pck, level)) {
                continue;
            }
            if (!tdx) {
                sgxLevel = level;
                break;
            }
            if (sgxLevel == null) {
                sgxLevel = level;
            }
            if (tdxMeets(teeTcbSvn, level)) {
                tdxLevel = level;
                break;
            }
        }
        Set<String> advisories = new LinkedHashSet<>();
        if (sgxLevel == null) {
            return new Result(TcbStatus.NOT_SUPPORTED, List.of(), "none: the PCK's TCB is below every level in the TCB Info", "n/a", qeStatus);
        }
        String status = sgxLevel.path("tcbStatus").asText();
        JsonNode chosen = sgxLevel;
        String module = "n/a";
        if (tdx) {
            if (tdxLevel == null) {
                return new Result(TcbStatus.NOT_SUPPORTED, List.of(), "none: TEE_TCB_SVN is below every level", "n/a", qeStatus);
            }
            chosen = tdxLevel;
            String[] m = moduleStatus(tcbInfo, quote, teeTcbSvn, advisories);
            module = m[1];
            if (TcbStatus.NOT_SUPPORTED.equals(m[0]) || TcbStatus.TDX_MODULE_MISMATCH.equals(m[0])) {
                return new Result(m[0], List.copyOf(advisories), describe(tdxLevel), module, qeStatus);
            }
            status = TcbStatus.converge(tdxLevel.path("tcbStatus").asText(), m[0]);
        }
        chosen.path("advisoryIDs").forEach(a -> advisories.add(a.asText()));
        if (qeStatus != null) {
            status = TcbStatus.converge(status, qeStatus);
            advisories.addAll(qeAdvisories);
        }
        return new Result(status, List.copyOf(advisories), describe(chosen), module, qeStatus);
    }

    private static boolean sgxMeets(PckExtensions pck, JsonNode level) {
        JsonNode tcb = level.path("tcb");
        for (int i = 0; i < 16; i++) {
            JsonNode c = tcb.has("sgxtcbcomponents") ? tcb.path("sgxtcbcomponents").path(i).path("svn")
                    : tcb.path(String.format("sgxtcbcomp%02dsvn", i + 1));
            if (pck.componentSvns()[i] < c.asInt(Integer.MAX_VALUE)) {
                return false;
            }
        }
        return pck.pceSvn() >= tcb.path("pcesvn").asInt(Integer.MAX_VALUE);
    }

    private static boolean tdxMeets(byte[] teeTcbSvn, JsonNode level) {
        JsonNode comps = level.path("tcb").path("tdxtcbcomponents");
        for (int i = (teeTcbSvn[1] & 0xff) > 0 ? 2 : 0; i < 16; i++) {
            if ((teeTcbSvn[i] & 0xff) < comps.path(i).path("svn").asInt(Integer.MAX_VALUE)) {
                return false;
            }
        }
        return true;
    }

    /** {status, description} of the TDX module identity named by TEE_TCB_SVN[1], levels matched on TEE_TCB_SVN[0]. */
    private static String[] moduleStatus(JsonNode tcbInfo, DcapQuote quote, byte[] teeTcbSvn, Set<String> advisories) {
        int version = teeTcbSvn[1] & 0xff;
        int isvSvn = teeTcbSvn[0] & 0xff;
        if (quote.version() > 3 && version == 0) {
            return new String[] {TcbStatus.UP_TO_DATE, "TDX module version 0 (no module identity check)"};
        }
        String id = String.format("TDX_%02X", version);
        for (JsonNode identity : tcbInfo.path("tdxModuleIdentities")) {
            if (!identity.path("id").asText().toUpperCase(Locale.ROOT).equals(id)) {
                continue;
            }
            for (JsonNode level : identity.path("tcbLevels")) {
                if (isvSvn >= level.path("tcb").path("isvsvn").asInt(Integer.MAX_VALUE)) {
                    level.path("advisoryIDs").forEach(a -> advisories.add(a.asText()));
                    String s = level.path("tcbStatus").asText();
                    return new String[] {s, id + " isvsvn " + isvSvn + ": " + s};
                }
            }
            return new String[] {TcbStatus.NOT_SUPPORTED, id + " isvsvn " + isvSvn + " is below every level"};
        }
        return new String[] {TcbStatus.TDX_MODULE_MISMATCH, "no identity " + id + " in the TCB Info"};
    }

    /** The QE's status from QE Identity levels, matched on its ISVSVN; adds the level's advisories. */
    static String qeStatus(JsonNode identity, int isvSvn, List<String> advisoriesOut) {
        for (JsonNode level : identity.path("tcbLevels")) {
            if (isvSvn >= level.path("tcb").path("isvsvn").asInt(Integer.MAX_VALUE)) {
                level.path("advisoryIDs").forEach(a -> advisoriesOut.add(a.asText()));
                return level.path("tcbStatus").asText();
            }
        }
        return TcbStatus.NOT_SUPPORTED;
    }

    private static String describe(JsonNode level) {
        List<String> parts = new ArrayList<>();
        parts.add(level.path("tcbStatus").asText());
        if (level.has("tcbDate")) {
            parts.add("tcbDate " + level.path("tcbDate").asText());
        }
        return String.join(", ", parts);
    }
}
