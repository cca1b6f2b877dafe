package dev.veil.attest.dcap;

import dev.veil.attest.json.JsonArray;
import dev.veil.attest.json.JsonFormatException;
import dev.veil.attest.json.JsonObject;
import java.time.Instant;
import java.util.List;

/**
 * One level of a TCB Info: the TCB it requires, its status, date and advisories. TCB Info v3 writes the 16 SGX
 * components as {@code sgxtcbcomponents[16]} (and, for TDX, {@code tdxtcbcomponents[16]}); v2 (SGX only) writes
 * them as {@code sgxtcbcomp01svn} … {@code sgxtcbcomp16svn}. Both read into the same {@link Tcb}.
 */
record TcbLevel(Tcb tcb, Instant tcbDate, TcbStatus status, List<String> advisoryIds) {
    static final int COMPONENTS = 16;

    TcbLevel {
        advisoryIds = List.copyOf(advisoryIds);
    }

    /**
     * The SVNs a platform must meet for this level. {@code tdxSvns} is empty for SGX TCB Info.
     */
    record Tcb(int[] sgxSvns, int pceSvn, int[] tdxSvns) {
        Tcb {
            sgxSvns = sgxSvns.clone();
            tdxSvns = tdxSvns.clone();
        }

        @Override
        public int[] sgxSvns() {
            return sgxSvns.clone();
        }

        @Override
        public int[] tdxSvns() {
            return tdxSvns.clone();
        }
    }

    static TcbLevel read(JsonObject level, int version, TcbInfo.Id id) throws JsonFormatException {
        JsonObject tcb = level.object("tcb");
        int pceSvn = (int) tcb.integer("pcesvn", 0, 0xffff);
        int[] sgx;
        int[] tdx = new int[0];
        if (version == 2) {
            sgx = new int[COMPONENTS];
            for (int i = 0; i < COMPONENTS; i++) {
                sgx[i] = (int) tcb.integer(String.format("sgxtcbcomp%02dsvn", i + 1), 0, 0xff);
            }
        } else {
            sgx = components(tcb.array("sgxtcbcomponents"));
            if (id == TcbInfo.Id.TDX) {
                tdx = components(tcb.array("tdxtcbcomponents"));
            }
        }
        return new TcbLevel(new Tcb(sgx, pceSvn, tdx), level.instant("tcbDate"), TcbStatus.read(level, "tcbStatus"),
                IsvSvnLevel.advisories(level));
    }

    private static int[] components(JsonArray a) throws JsonFormatException {
        List<JsonObject> list = a.objects();
        if (list.size() != COMPONENTS) {
            throw new JsonFormatException(a.path(), list.size() + " components", COMPONENTS + " components");
        }
        int[] svns = new int[COMPONENTS];
        for (int i = 0; i < COMPONENTS; i++) {
            JsonObject c = list.get(i);
            svns[i] = (int) c.integer("svn", 0, 0xff);
            for (String optional : List.of("category", "type")) {
                if (c.has(optional)) {
                    c.string(optional);   // descriptive only, but when present it must be a string
                }
            }
        }
        return svns;
    }

    /** "UpToDate, tcbDate 2024-03-13T00:00:00Z": how the level is shown in claims. */
    String describe() {
        return status.text() + ", tcbDate " + tcbDate;
    }
}
