package dev.veil.attest.claims;

import java.util.Objects;
import java.util.Optional;

/**
 * Where a DCAP verdict came from, described for people: the quote's version and its PCK certificate's platform, the
 * CRLs, QE Identity, TDX module entry and TCB Info that were used, and what followed the signed quote. Shown, and
 * pinnable by name; the reference values judge {@link IntelTcb} and the missing collateral, not these texts.
 *
 * @param tdxModule the TDX module identity matched in TCB Info (TDX with TCB Info only)
 * @param tcbLevel the TCB Info level the platform matched (with TCB Info only)
 * @param tcbInfo which TCB Info was used and from which source (with TCB Info only)
 */
public record DcapProvenance(int quoteVersion, String fmspc, String pckCa, String pckCrl, String qeIdentity,
                             Optional<String> tdxModule, Optional<String> tcbLevel, Optional<String> tcbInfo,
                             String trailingBytes) {
    public DcapProvenance {
        Objects.requireNonNull(fmspc, "fmspc");
        Objects.requireNonNull(pckCa, "pckCa");
        Objects.requireNonNull(pckCrl, "pckCrl");
        Objects.requireNonNull(qeIdentity, "qeIdentity");
        Objects.requireNonNull(tdxModule, "tdxModule");
        Objects.requireNonNull(tcbLevel, "tcbLevel");
        Objects.requireNonNull(tcbInfo, "tcbInfo");
        Objects.requireNonNull(trailingBytes, "trailingBytes");
    }
}
