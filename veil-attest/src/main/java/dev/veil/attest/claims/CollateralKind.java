package dev.veil.attest.claims;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * A kind of revocation or TCB collateral a verifier may lack, so that what it proves was not checked. Its
 * {@link #id()} is the name in the {@code collateral_missing} claim and in a contract's
 * {@code waivers.missing_collateral}.
 */
public enum CollateralKind {
    TCB_INFO("tcb_info", "TCB Info (the TCB status is not assessed)"),
    QE_IDENTITY("qe_identity", "QE Identity (the Quoting Enclave is not checked)"),
    PCK_CRL("pck_crl", "the PCK CRL (revoked PCK certificates are not detected)"),
    ROOT_CA_CRL("root_ca_crl", "the Intel Root CA CRL (revoked intermediate CAs are not detected)"),
    AMD_CRL("amd_crl", "AMD's CRL (a revoked ASK/ASVK is not detected)");

    private final String id;
    private final String meaning;

    CollateralKind(String id, String meaning) {
        this.id = id;
        this.meaning = meaning;
    }

    /** The name in claims and waivers, e.g. {@code pck_crl}. */
    public String id() {
        return id;
    }

    /** What goes unchecked without it, for the relaxations shown to people. */
    public String meaning() {
        return meaning;
    }

    /** The kind named {@code id} exactly, if there is one. */
    public static Optional<CollateralKind> byId(String id) {
        for (CollateralKind k : values()) {
            if (k.id.equals(id)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    /** The names of {@code kinds}, in their order. */
    public static List<String> ids(Collection<CollateralKind> kinds) {
        return kinds.stream().map(CollateralKind::id).toList();
    }

    /** The claim's text: names in declaration order, comma-separated, empty when nothing is missing. */
    public static String claimText(Collection<CollateralKind> kinds) {
        return String.join(",", ids(kinds.stream().sorted().toList()));
    }

    @Override
    public String toString() {
        return id;
    }
}
