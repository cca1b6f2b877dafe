package dev.veil.provider.replay;

import dev.veil.protocol.json.ProtocolException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The model provider's local record of the serving instances it gave a serving contract's model key to: one line per
 * instance ({@code contract-hash instance-keys-digest time}) in {@code provisioned-instances} under its state directory.
 * Each instance counts the data providers' budgets alone, in its memory, and enforces its share (the budget divided by
 * the contract's {@code max_instances}); so a model provider who gave the key to more instances than that — a host that
 * restarted the server and asked for the model again, say — would let a data provider have more than the contract's
 * budget (BudgetAcrossInstancesAttackTest). The same instance again (a provisioning retried) is not a new one. A key
 * broker keeps the same count on its side.
 */
public final class ProvisionedInstances {
    public static final String FILE_NAME = "provisioned-instances";
    private static final String HEADER = "veil provisioned instances v1";

    /** One line: which instance of which contract got the key, and when. */
    public record Entry(String contractHash, String instanceKeysDigest, Instant at) {
        String line() {
            return contractHash + " " + instanceKeysDigest + " " + at;
        }
    }

    private final PrivateRecordFile record;
    private final boolean allowBeyondLimit;

    /**
     * @param allowBeyondLimit the model provider's explicit choice to provision past {@code max_instances} (a replacement
     *                         for an instance that is gone), knowing each one answers its share of every budget again
     */
    public ProvisionedInstances(Path stateDir, boolean allowBeyondLimit) {
        this.record = new PrivateRecordFile(stateDir, FILE_NAME, HEADER, "the record of provisioned instances");
        this.allowBeyondLimit = allowBeyondLimit;
    }

    public Path file() {
        return record.file();
    }

    /**
     * Records {@code instanceKeysDigest} for the contract before its key leaves this machine, or refuses when the
     * contract's {@code maxInstances} other instances already got it.
     */
    public void beforeRelease(byte[] contractHash, byte[] instanceKeysDigest, int maxInstances) throws ProtocolException, IOException {
        String hash = HexFormat.of().formatHex(contractHash);
        String instance = HexFormat.of().formatHex(instanceKeysDigest);
        record.underLock(() -> {
            List<Entry> entries = entries();
            Set<String> instances = new LinkedHashSet<>();
            for (Entry e : entries) {
                if (e.contractHash().equals(hash)) {
                    instances.add(e.instanceKeysDigest());
                }
            }
            if (instances.contains(instance)) {
                return;
            }
            if (instances.size() >= maxInstances && !allowBeyondLimit) {
                throw new ProtocolException("you already gave the model key of contract " + hash.substring(0, 16) + "… to "
                        + instances.size() + " instance(s), its max_instances (recorded in " + record.file() + "); each instance "
                        + "counts budgets alone, so another would give data providers more than the contract's budget — draft a "
                        + "contract with a larger --max-instances, or pass --allow-instance-beyond-limit to replace one that is gone");
            }
            List<String> lines = new ArrayList<>();
            for (Entry e : entries) {
                lines.add(e.line());
            }
            record.write(lines, new Entry(hash, instance, Instant.now()).line());
        });
    }

    /** The record's lines; an absent record is empty, a damaged one is refused (it is the user's to repair). */
    public List<Entry> entries() throws ProtocolException, IOException {
        List<String> lines = record.lines(this::damaged);
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String[] f = lines.get(i).split(" ", -1);
            if (f.length != 3 || !f[0].matches("[0-9a-f]{64}") || !f[1].matches("[0-9a-f]{64}")) {
                throw damaged(i + 2);
            }
            try {
                out.add(new Entry(f[0], f[1], Instant.parse(f[2])));
            } catch (DateTimeParseException e) {
                throw damaged(i + 2);
            }
        }
        return out;
    }

    private ProtocolException damaged(int line) {
        return new ProtocolException("the record of provisioned instances " + record.file() + " is damaged at line " + line
                + "; restore it from a backup or repair that line (a missing record lets the model go to more instances)");
    }
}
