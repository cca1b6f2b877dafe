package dev.veil.attest.dcap;

import dev.veil.attest.AttestationException;
import dev.veil.attest.x509.Signatures;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Which TCB Info or QE Identity is used when several are at hand. The verifier's own collateral (its files, cache or
 * PCS/PCCS fetch) comes first: when it holds one of the needed kind, the host's copies are never looked at, however
 * new they claim to be. Within the source used, every copy must carry a valid Intel signature (a forged one is
 * refused, not skipped); among copies valid at the verification time the highest tcbEvaluationDataNumber wins, then
 * the latest issueDate. Validity is read from the signed body only.
 */
final class CollateralChoice {
    /** A chosen copy and whether it came from the verifier's own collateral. */
    record Chosen<T extends IntelSigned>(Signed<T> signed, boolean trusted) {
        T body() {
            return signed.body();
        }
    }

    /** The TCB signing certificate, fetched only when some copy needs checking. */
    @FunctionalInterface
    interface SignerSource {
        X509Certificate get() throws AttestationException;
    }

    /** {@code source}, asked at most once. */
    static SignerSource once(SignerSource source) {
        return new SignerSource() {
            private X509Certificate signer;

            @Override
            public X509Certificate get() throws AttestationException {
                if (signer == null) {
                    signer = source.get();
                }
                return signer;
            }
        };
    }

    private static final Comparator<Signed<? extends IntelSigned>> NEWEST_LAST = Comparator
            .comparingLong((Signed<? extends IntelSigned> s) -> s.body().tcbEvaluationDataNumber())
            .thenComparing(s -> s.body().issueDate());

    private CollateralChoice() {
    }

    static <T extends IntelSigned> Optional<Chosen<T>> choose(List<Signed<T>> trusted, List<Signed<T>> host, Predicate<T> ofKind,
                                                               SignerSource signer, Instant at) throws AttestationException {
        List<Signed<T>> mine = trusted.stream().filter(s -> ofKind.test(s.body())).toList();
        List<Signed<T>> used = mine.isEmpty() ? host.stream().filter(s -> ofKind.test(s.body())).toList() : mine;
        if (used.isEmpty()) {
            return Optional.empty();
        }
        X509Certificate key = signer.get();
        for (Signed<T> s : used) {
            if (!Signatures.ecdsaP1363Collateral("SHA256", key.getPublicKey(), s.signedBytes(), s.signature())) {
                throw new AttestationException(s.body().what() + " signature", "invalid: does not verify with the TCB signing key over "
                        + "the raw JSON (a re-formatted copy does not verify)", "a valid ECDSA P-256 signature by Intel");
            }
        }
        Optional<Signed<T>> best = used.stream().filter(s -> !at.isBefore(s.body().issueDate()) && !at.isAfter(s.body().nextUpdate()))
                .max(NEWEST_LAST);
        if (best.isEmpty()) {
            T newest = used.stream().max(NEWEST_LAST).orElseThrow().body();
            throw new AttestationException(newest.what() + " validity at " + at, newest.issueDate() + " .. " + newest.nextUpdate(),
                    "a window containing the verification time (fetch fresh collateral, or use --at for old samples)");
        }
        return Optional.of(new Chosen<>(best.get(), !mine.isEmpty()));
    }
}
