package dev.veil.attest.dcap;

import dev.veil.attest.json.JsonFormatException;
import dev.veil.attest.json.JsonObject;
import java.util.List;
import java.util.Locale;

/**
 * One entry of TCB Info's {@code tdxModuleIdentities}: {@code id} "TDX_&lt;version in hex&gt;" (the module version is
 * TEE_TCB_SVN[1]), the module's signer and attributes, and its levels matched on TEE_TCB_SVN[0].
 */
record TdxModuleIdentity(String id, TdxModule module, List<IsvSvnLevel> levels) {
    TdxModuleIdentity {
        levels = List.copyOf(levels);
    }

    static TdxModuleIdentity read(JsonObject o) throws JsonFormatException {
        return new TdxModuleIdentity(o.string("id"), TdxModule.read(o), IsvSvnLevel.readAll(o));
    }

    /** Intel's QVL compares identities upper-cased (TdxModuleCheck findTdxModuleIdentity). */
    boolean isFor(int moduleVersion) {
        return id.toUpperCase(Locale.ROOT).equals(String.format("TDX_%02X", moduleVersion));
    }
}
