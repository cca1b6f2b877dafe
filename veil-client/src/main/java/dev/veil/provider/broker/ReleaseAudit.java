package dev.veil.provider.broker;

import dev.veil.protocol.broker.OwnerUnwrapLeaf;
import dev.veil.protocol.broker.ReleaseLeaf;
import dev.veil.protocol.broker.ReleaseLogEntry;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.translog.SignedTreeHead;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** Offline reading of a broker's state: every contract's release record, verified against the broker's identity. */
public final class ReleaseAudit {
    /**
     * One contract's verified record: its releases and its unwraps for the data provider, each in order, and its last
     * signed head (null when empty).
     */
    public record Contract(String contractHash, List<ReleaseLeaf> releases, List<OwnerUnwrapLeaf> ownerUnwraps, SignedTreeHead head) {
        public long instances() {
            return releases.stream().map(ReleaseLeaf::instanceKeys).distinct().count();
        }
    }

    private ReleaseAudit() {
    }

    /** Every record in the state directory, each verified line by line; the first that does not verify is the exception. */
    public static List<Contract> verify(BrokerState state, PublicIdentity broker) throws IOException, ProtocolException {
        List<Path> files;
        try (Stream<Path> s = Files.list(state.releases())) {
            files = s.filter(p -> p.getFileName().toString().matches("[0-9a-f]{64}\\.log")).sorted().toList();
        }
        List<Contract> out = new ArrayList<>();
        for (Path f : files) {
            String hex = f.getFileName().toString().substring(0, 64);
            List<ReleaseLogEntry> entries = ReleaseRecord.verify(f, HexFormat.of().parseHex(hex), broker);
            out.add(new Contract(hex, entries.stream().map(ReleaseLogEntry::release).filter(java.util.Objects::nonNull).toList(),
                    entries.stream().map(ReleaseLogEntry::ownerUnwrap).filter(java.util.Objects::nonNull).toList(),
                    entries.isEmpty() ? null : entries.get(entries.size() - 1).head()));
        }
        return out;
    }

    /** Records a revocation (an instance's keys digest in hex, or null for every release) for the running broker to see. */
    public static void revoke(BrokerState state, String instanceHex) throws IOException {
        Revocations.add(state.files(), state.revoked(), instanceHex);
    }

    /** Creates a master key for the data-key service; an existing one is never replaced. */
    public static void createMasterKey(BrokerState state, String id) throws IOException {
        MasterKeys.create(state.files(), state.masterKeys(), id);
    }

    /** Creates a master key that serves only the contracts {@code contractHashes} (lowercase hex). */
    public static void createMasterKey(BrokerState state, String id, List<String> contractHashes) throws IOException {
        MasterKeys.create(state.files(), state.masterKeys(), id, contractHashes);
    }
}
