package dev.veil.attest;

import dev.veil.attest.sim.SimEvidenceVerifier;
import java.util.EnumMap;
import java.util.Map;

/** The verifier for each supported platform. */
public final class Verifiers {
    private static final Map<Platform, EvidenceVerifier> ALL = new EnumMap<>(Platform.class);

    static {
        ALL.put(Platform.SIM, new SimEvidenceVerifier());
        ALL.put(Platform.SEV_SNP, new dev.veil.attest.snp.SnpEvidenceVerifier());
        ALL.put(Platform.NITRO, new dev.veil.attest.nitro.NitroEvidenceVerifier());
        ALL.put(Platform.TDX, new dev.veil.attest.dcap.DcapEvidenceVerifier(Platform.TDX));
        ALL.put(Platform.SGX, new dev.veil.attest.dcap.DcapEvidenceVerifier(Platform.SGX));
    }

    private Verifiers() {
    }

    public static EvidenceVerifier forPlatform(Platform p) throws AttestationException {
        EvidenceVerifier v = ALL.get(p);
        if (v == null) {
            throw new AttestationException("platform", p.id(), "a platform this build of Veil can verify: " + ALL.keySet());
        }
        return v;
    }
}
