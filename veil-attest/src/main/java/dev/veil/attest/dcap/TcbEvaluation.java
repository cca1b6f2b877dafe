package dev.veil.attest.dcap;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Intel's TCB-level matching (Quote Verification Library, TcbLevelCheck): the platform's SGX level is the first TCB
 * Info level whose 16 SGX component SVNs and PCE SVN the PCK certificate meets; for TDX, the first such level that
 * TEE_TCB_SVN also meets (components 0–1 skipped when TEE_TCB_SVN[1] > 0, since the TDX module identity covers them).
 * Then the TDX module's and the Quoting Enclave's statuses may downgrade the level's; a revoked module or QE makes even
 * a platform below every level Revoked rather than TcbNotSupported. Works on typed records only.
 */
final class TcbEvaluation {
    /** The outcome: status, the advisories that apply, and which level matched. */
    record Result(TcbStatus status, List<String> advisoryIds, String platformLevel) {
    }

    private TcbEvaluation() {
    }

    /**
     * @param teeTcbSvn the TD report's TEE_TCB_SVN for TDX (then {@code module} is present), empty for SGX
     */
    static Result evaluate(TcbInfo info, PckExtensions pck, Optional<byte[]> teeTcbSvn, Optional<TdxModuleCheck.Outcome> module,
                           Optional<QeIdentityCheck.Outcome> qe) {
        TcbLevel sgxLevel = null;
        TcbLevel tdxLevel = null;
        for (TcbLevel level : info.levels()) {
            if (!sgxMeets(pck, level.tcb())) {
                continue;
            }
            if (teeTcbSvn.isEmpty()) {
                sgxLevel = level;
                break;
            }
            if (sgxLevel == null) {
                sgxLevel = level;
            }
            if (tdxMeets(teeTcbSvn.get(), level.tcb())) {
                tdxLevel = level;
                break;
            }
        }
        if (sgxLevel == null) {
            return notSupported(Optional.empty(), module, qe, "none: the PCK's TCB is below every level in the TCB Info");
        }
        Set<String> advisories = new LinkedHashSet<>();
        TcbLevel chosen = sgxLevel;
        TcbStatus status = sgxLevel.status();
        if (teeTcbSvn.isPresent()) {
            if (tdxLevel == null) {
                return notSupported(Optional.empty(), module, qe, "none: TEE_TCB_SVN is below every level");
            }
            TdxModuleCheck.Outcome m = module.orElseThrow();
            advisories.addAll(m.advisoryIds());
            if (m.status() == TcbStatus.NOT_SUPPORTED) {
                return notSupported(Optional.of(tdxLevel.status()), module, qe, tdxLevel.describe());
            }
            chosen = tdxLevel;
            status = tdxLevel.status().converge(m.status());
        }
        advisories.addAll(chosen.advisoryIds());
        if (qe.isPresent()) {
            status = status.converge(qe.get().status());
            advisories.addAll(qe.get().advisoryIds());
        }
        return new Result(status, List.copyOf(advisories), chosen.describe());
    }

    /**
     * TcbNotSupported, which a contract may waive, unless the matched level (when there is one), the TDX module or the
     * Quoting Enclave was revoked: their verdicts are folded in here too, so a revoked part cannot hide behind the
     * waivable status (Revoked never is waivable). The module's and the QE's advisories are reported as well.
     */
    private static Result notSupported(Optional<TcbStatus> levelStatus, Optional<TdxModuleCheck.Outcome> module,
                                       Optional<QeIdentityCheck.Outcome> qe, String level) {
        boolean revoked = Stream.of(levelStatus, module.map(TdxModuleCheck.Outcome::status), qe.map(QeIdentityCheck.Outcome::status))
                .anyMatch(s -> s.orElse(null) == TcbStatus.REVOKED);
        Set<String> advisories = new LinkedHashSet<>();
        module.ifPresent(m -> advisories.addAll(m.advisoryIds()));
        qe.ifPresent(q -> advisories.addAll(q.advisoryIds()));
        return new Result(revoked ? TcbStatus.REVOKED : TcbStatus.NOT_SUPPORTED, List.copyOf(advisories), level);
    }

    private static boolean sgxMeets(PckExtensions pck, TcbLevel.Tcb tcb) {
        int[] need = tcb.sgxSvns();
        int[] have = pck.componentSvns();
        for (int i = 0; i < TcbLevel.COMPONENTS; i++) {
            if (have[i] < need[i]) {
                return false;
            }
        }
        return pck.pceSvn() >= tcb.pceSvn();
    }

    private static boolean tdxMeets(byte[] teeTcbSvn, TcbLevel.Tcb tcb) {
        int[] need = tcb.tdxSvns();
        for (int i = (teeTcbSvn[1] & 0xff) > 0 ? 2 : 0; i < TcbLevel.COMPONENTS; i++) {
            if ((teeTcbSvn[i] & 0xff) < need[i]) {
                return false;
            }
        }
        return true;
    }
}
