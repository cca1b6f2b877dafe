package dev.veil.enclave.evidence;

import dev.veil.attest.Platform;
import dev.veil.attest.sim.SimFirmware;

/** Evidence from the simulated firmware. INSECURE by design; the server prints a banner when it is used. */
public final class SimEvidenceSource implements EvidenceSource {
    private final SimFirmware firmware = new SimFirmware();
    private final byte[] measurement;
    private final boolean debug;

    public SimEvidenceSource(byte[] measurement, boolean debug) {
        this.measurement = measurement.clone();
        this.debug = debug;
    }

    @Override
    public Platform platform() {
        return Platform.SIM;
    }

    @Override
    public Collected collect(byte[] reportData) {
        return new Collected(firmware.report(measurement, reportData, debug), java.util.List.of());
    }
}
