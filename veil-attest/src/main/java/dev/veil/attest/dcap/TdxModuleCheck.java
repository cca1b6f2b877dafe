package dev.veil.attest.dcap;

import dev.veil.attest.AttestationException;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * The TDX module that produced the TD report, against TCB Info (QVL QuoteVerifier 4.1.2.4.11 and TdxModuleCheck):
 * the module version is TEE_TCB_SVN[1]. Version 0 is checked against {@code tdxModule}; any other version needs the
 * identity "TDX_&lt;version&gt;" from {@code tdxModuleIdentities}, whose levels are matched on TEE_TCB_SVN[0].
 * MRSIGNERSEAM must equal the identity's mrsigner; SEAMATTRIBUTES must equal its attributes under attributesMask and,
 * as in QVL, both must be all zero whatever the mask; otherwise the module is not one Intel's TCB Info describes and
 * the quote is refused. The matched module level must say UpToDate, OutOfDate or Revoked, the only statuses QVL
 * accepts for a module.
 */
final class TdxModuleCheck {
    private static final HexFormat HEX = HexFormat.of();
    /** QVL TcbStatus.h VALID_MODULE_TCB_STATUSES: any other status of the matched module level is an error there. */
    private static final Set<TcbStatus> MODULE_STATUSES = EnumSet.of(TcbStatus.UP_TO_DATE, TcbStatus.OUT_OF_DATE, TcbStatus.REVOKED);

    /** The module's status (a component of the platform status), its level's advisories, and a description. */
    record Outcome(TcbStatus status, List<String> advisoryIds, String description) {
    }

    private TdxModuleCheck() {
    }

    static Outcome check(TcbInfo info, ReportBody.Td td) throws AttestationException {
        byte[] teeTcbSvn = td.teeTcbSvn();
        int version = teeTcbSvn[1] & 0xff;
        int isvSvn = teeTcbSvn[0] & 0xff;
        if (version == 0) {
            TdxModule module = info.tdxModule().orElseThrow(() ->
                    new AttestationException("TCB Info tdxModule", "absent", "the TDX module of a TDX TCB Info"));
            requireIdentity(module, td, "tdxModule");
            return new Outcome(TcbStatus.UP_TO_DATE, List.of(), "TDX module version 0 (signer checked; no module levels)");
        }
        String id = String.format("TDX_%02X", version);
        TdxModuleIdentity identity = info.tdxModuleIdentities().stream().filter(m -> m.isFor(version)).findFirst()
                .orElseThrow(() -> new AttestationException("TDX module identity " + id, "absent from the TCB Info",
                        "an identity for the quote's module version (TEE_TCB_SVN[1] = " + version + ")"));
        requireIdentity(identity.module(), td, id);
        for (IsvSvnLevel level : identity.levels()) {
            if (isvSvn >= level.isvSvn()) {
                if (!MODULE_STATUSES.contains(level.status())) {
                    throw new AttestationException("TCB Info " + id + " level isvsvn " + level.isvSvn() + " status", level.status().text(),
                            "UpToDate, OutOfDate or Revoked (the statuses Intel defines for a TDX module)");
                }
                return new Outcome(level.status(), level.advisoryIds(), id + " isvsvn " + isvSvn + ": " + level.status().text());
            }
        }
        return new Outcome(TcbStatus.NOT_SUPPORTED, List.of(), id + " isvsvn " + isvSvn + " is below every level");
    }

    private static void requireIdentity(TdxModule module, ReportBody.Td td, String source) throws AttestationException {
        if (!MessageDigest.isEqual(td.mrSignerSeam(), module.mrSigner())) {
            throw new AttestationException("MRSIGNERSEAM", HEX.formatHex(td.mrSignerSeam()),
                    HEX.formatHex(module.mrSigner()) + " (TCB Info " + source + " mrsigner)");
        }
        byte[] found = td.seamAttributes();
        byte[] want = module.attributes();
        byte[] mask = module.attributesMask();
        for (int i = 0; i < found.length; i++) {
            if ((found[i] & mask[i]) != (want[i] & mask[i])) {
                throw new AttestationException("SEAMATTRIBUTES", HEX.formatHex(found), HEX.formatHex(want) + " under mask "
                        + HEX.formatHex(mask) + " (TCB Info " + source + ")");
            }
        }
        for (int i = 0; i < found.length; i++) {
            if (found[i] != 0 || want[i] != 0) {
                throw new AttestationException("SEAMATTRIBUTES", HEX.formatHex(found) + " (TCB Info " + source + " attributes "
                        + HEX.formatHex(want) + ")", "both all zero, whatever the attributesMask (QVL §4.1.2.4.11.2)");
            }
        }
    }
}
