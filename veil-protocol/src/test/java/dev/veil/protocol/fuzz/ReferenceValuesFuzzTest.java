package dev.veil.protocol.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import java.util.Map;

/**
 * A policy file or a contract's enclave object as anyone can write it: it parses into reference values or is refused
 * with a ProtocolException, and whatever parses can be checked, evaluated and shown without throwing.
 * Seeds (ReferenceValuesFuzzTestInputs: an SNP, a TDX and a sim policy, written for this target) run in the normal
 * suite; JAZZER_FUZZ=1 fuzzes (docs/FUZZING.md).
 */
class ReferenceValuesFuzzTest {
    private static final Map<String, String> SNP_CLAIMS = Map.of("vmpl", "0", "reported_tcb.snp", "8", "collateral_missing", "");

    @FuzzTest(maxDuration = "5s")
    void parseCheckAndEvaluate(FuzzedDataProvider data) {
        ReferenceValues rv;
        try {
            rv = Json.parse(data.consumeRemainingAsBytes(), ReferenceValues.class, "policy");
        } catch (ProtocolException expected) {
            return;
        }
        rv.problems();
        rv.relaxations();
        for (Platform p : Platform.values()) {
            rv.evaluate(new Claims(p, new byte[p.measurementLength()], new byte[64], false, SNP_CLAIMS));
        }
    }
}
