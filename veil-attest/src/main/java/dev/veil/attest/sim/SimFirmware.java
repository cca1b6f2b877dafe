package dev.veil.attest.sim;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;

/**
 * The simulated "hardware": a chip key certified by the sim root, which signs reports over the code measurement and
 * the caller's report data. One instance is one simulated machine. It lives beside the verifier because it is the
 * format's reference producer; on a real platform this role belongs to the CPU's firmware.
 */
public final class SimFirmware {
    private final byte[] chipId = new byte[32];
    private final KeyPair chipKey;
    private final byte[] chipCertificate;

    public SimFirmware() {
        this(Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(3650)));
    }

    public SimFirmware(Instant certNotBefore, Instant certNotAfter) {
        try {
            new SecureRandom().nextBytes(chipId);
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp384r1"));
            chipKey = g.generateKeyPair();
            X509Certificate cert = SimCertificates.issueChip(chipId, chipKey.getPublic(), SimRoot.insecurePrivateKey(),
                    SimRoot.SUBJECT, certNotBefore, certNotAfter);
            chipCertificate = cert.getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up the simulated TEE", e);
        }
    }

    /** Produces signed evidence for {@code measurement} (48 bytes) and {@code reportData} (64 bytes). */
    public byte[] report(byte[] measurement, byte[] reportData, boolean debug) {
        if (measurement.length != 48 || reportData.length != 64) {
            throw new IllegalArgumentException("measurement must be 48 bytes and report data 64 bytes");
        }
        try {
            SimReport unsigned = new SimReport(SimReport.VERSION, debug ? SimReport.FLAG_DEBUG : 0, measurement,
                    reportData, chipId, new byte[96]);
            Signature s = Signature.getInstance("SHA384withECDSAinP1363Format");
            s.initSign(chipKey.getPrivate());
            s.update(unsigned.signedBytes());
            SimReport signed = new SimReport(unsigned.version(), unsigned.flags(), measurement, reportData, chipId, s.sign());
            return new SimEvidence(signed, java.util.List.of(chipCertificate)).encode();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("simulated report signing failed", e);
        }
    }
}
