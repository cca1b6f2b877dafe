package dev.veil.collateral;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What one fetch produced, kind by kind, with each piece's own expiry. {@link #blobs()} is the form verifiers take
 * (each body followed by its issuer chain); {@link #nextUpdate()} is when the first piece must be fetched again.
 */
public record FetchedCollateral(List<Item> items) {
    public FetchedCollateral {
        items = List.copyOf(items);
    }

    /** One piece: its kind, the body, the issuer chain the service sent with it (if any), and its nextUpdate. */
    public record Item(CollateralKind kind, byte[] body, Optional<byte[]> issuerChain, Instant nextUpdate) {
    }

    public static FetchedCollateral none() {
        return new FetchedCollateral(List.of());
    }

    public List<byte[]> blobs() {
        List<byte[]> out = new ArrayList<>();
        for (Item i : items) {
            out.add(i.body());
            i.issuerChain().ifPresent(out::add);
        }
        return out;
    }

    /** The earliest nextUpdate, or empty when nothing was fetched. */
    public Optional<Instant> nextUpdate() {
        return items.stream().map(Item::nextUpdate).min(Comparator.naturalOrder());
    }

    public List<CollateralKind> kinds() {
        return items.stream().map(Item::kind).toList();
    }
}
