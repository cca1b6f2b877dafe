package dev.veil.provider.broker;

import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * The contracts a running broker serves, as it states them at its start, signed with its identity ({@value #FILE} in
 * its state directory): what {@code veil broker revoke} checks against a running broker. The broker writes a revocation
 * into the record of every contract it serves, and rebuilds revocations from those records alone at its next start; so
 * a revocation is recorded once each of these records holds it. Neither the records found in {@code releases/} (a
 * record renamed aside under a running broker, which keeps writing into the file it has open, would be missing from
 * them: RevocationReportedOverRecordsMovedAsideAttackTest) nor all of them (an old contract's record, which no broker
 * writes into any more: RevocationNeverConfirmedOverARecordNotServedAttackTest) would say that.
 *
 * <p>Not protected: a statement of an earlier start put back by whoever can write the state volume names the contracts
 * served then; revoke then waits for those records instead.
 */
final class ServedContracts {
    static final String FILE = "served.json";
    private static final String LABEL = "veil broker served contracts v1";

    /** The statement as written: contract hashes (lowercase hex, sorted), when the broker started, its signature. */
    record Statement(List<String> contracts, String startedAt, String signature) {
    }

    private ServedContracts() {
    }

    /** States, replacing any earlier statement, that the broker starting now serves {@code contractHashes}. */
    static void publish(BrokerState state, Identity identity, Collection<String> contractHashes, Instant now) throws IOException {
        List<String> sorted = contractHashes.stream().sorted().toList();
        String startedAt = now.toString();
        String signature = Base64.getEncoder().encodeToString(identity.sign(signingMessage(sorted, startedAt)));
        state.files().write(file(state), Json.canonical(new Statement(sorted, startedAt, signature)), false, true);
    }

    /** The contracts the running broker stated it serves, verified against {@code broker}. */
    static List<String> read(BrokerState state, PublicIdentity broker) throws IOException, ProtocolException {
        Statement s = Json.parse(Files.readAllBytes(file(state)), Statement.class, "the broker's served contracts");
        if (s.contracts() == null || s.startedAt() == null || s.signature() == null
                || s.contracts().stream().anyMatch(h -> h == null || !h.matches("[0-9a-f]{64}"))) {
            throw new ProtocolException("the broker's served contracts are malformed");
        }
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(s.signature());
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("the broker's served contracts carry no valid signature");
        }
        if (!broker.verify(signingMessage(s.contracts(), s.startedAt()), signature)) {
            throw new ProtocolException("the broker's served contracts are not signed by the broker of this state directory");
        }
        return s.contracts();
    }

    private static byte[] signingMessage(List<String> contracts, String startedAt) {
        return (LABEL + "\0" + String.join(",", contracts) + "\0" + startedAt).getBytes(StandardCharsets.US_ASCII);
    }

    private static Path file(BrokerState state) {
        return state.dir().resolve(FILE);
    }
}
