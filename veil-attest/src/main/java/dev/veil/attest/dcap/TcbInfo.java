package dev.veil.attest.dcap;

import dev.veil.attest.json.JsonFormatException;
import dev.veil.attest.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Intel's TCB Info for one platform type (FMSPC), read from the signed {@code tcbInfo} object of a PCS response.
 * Versions: 3 (id SGX or TDX; Intel PCS API v4) and 2 (SGX only, no id; PCS API v3, which Intel's Quote Verification
 * Library still accepts). tcbType must be 0, the only type Intel defines (QVL 4.1.2.7.4). A TDX TCB Info carries the
 * TDX module ({@code tdxModule}) and may carry per-version module identities; an SGX one carries neither.
 */
record TcbInfo(Id id, int version, Instant issueDate, Instant nextUpdate, String fmspc, String pceId,
               long tcbEvaluationDataNumber, List<TcbLevel> levels, Optional<TdxModule> tdxModule,
               List<TdxModuleIdentity> tdxModuleIdentities) implements IntelSigned {
    enum Id { SGX, TDX }

    TcbInfo {
        levels = List.copyOf(levels);
        tdxModuleIdentities = List.copyOf(tdxModuleIdentities);
    }

    @Override
    public String what() {
        return "TCB Info";
    }

    static TcbInfo read(JsonObject body) throws JsonFormatException {
        long version = body.integer("version", 0, Integer.MAX_VALUE);
        if (version != 2 && version != 3) {
            throw new JsonFormatException("TCB Info version", Long.toString(version), "3 (or 2, SGX only)");
        }
        Id id = version == 3 ? id(body) : Id.SGX;
        if (version == 2 && body.has("id")) {
            throw new JsonFormatException("TCB Info v2 id", "present", "absent (version 2 is SGX only and has no id)");
        }
        long tcbType = body.integer("tcbType", 0, Integer.MAX_VALUE);
        if (tcbType != 0) {
            throw new JsonFormatException("TCB Info tcbType", Long.toString(tcbType), "0 (the only TCB type Intel defines)");
        }
        Optional<TdxModule> module = Optional.empty();
        List<TdxModuleIdentity> identities = new ArrayList<>();
        if (id == Id.TDX) {
            module = Optional.of(TdxModule.read(body.object("tdxModule")));
            if (body.has("tdxModuleIdentities")) {
                for (JsonObject m : nonEmpty(body, "tdxModuleIdentities")) {
                    identities.add(TdxModuleIdentity.read(m));
                }
            }
        } else {
            for (String tdxOnly : List.of("tdxModule", "tdxModuleIdentities")) {
                if (body.has(tdxOnly)) {
                    throw new JsonFormatException("SGX TCB Info " + tdxOnly, "present", "absent (TDX TCB Info only)");
                }
            }
        }
        List<TcbLevel> levels = new ArrayList<>();
        for (JsonObject l : nonEmpty(body, "tcbLevels")) {
            levels.add(TcbLevel.read(l, (int) version, id));
        }
        return new TcbInfo(id, (int) version, body.instant("issueDate"), body.instant("nextUpdate"),
                body.hexString("fmspc", 6), body.hexString("pceId", 2), body.integer("tcbEvaluationDataNumber", 0, 0xffffffffL),
                levels, module, identities);
    }

    private static Id id(JsonObject body) throws JsonFormatException {
        String s = body.string("id");
        for (Id i : Id.values()) {
            if (i.name().equals(s)) {
                return i;
            }
        }
        throw new JsonFormatException("TCB Info id", "'" + (s.length() > 16 ? s.substring(0, 16) + "…" : s) + "'", "SGX or TDX");
    }

    private static List<JsonObject> nonEmpty(JsonObject body, String key) throws JsonFormatException {
        return IsvSvnLevel.nonEmpty(body.array(key));
    }

    /** "TDX v3, evaluation data 17, issued 2025-06-19T10:16:03Z". */
    String describe() {
        return id + " v" + version + ", evaluation data " + tcbEvaluationDataNumber + ", issued " + issueDate;
    }
}
