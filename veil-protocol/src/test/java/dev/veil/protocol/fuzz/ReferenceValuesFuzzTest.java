package dev.veil.protocol.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.ReferenceValues;
import dev.veil.attest.claims.DcapClaims;
import dev.veil.attest.claims.DcapProvenance;
import dev.veil.attest.claims.IntelTcb;
import dev.veil.attest.claims.NitroClaims;
import dev.veil.attest.claims.SimClaims;
import dev.veil.attest.claims.SnpClaims;
import dev.veil.attest.dcap.ReportBody;
import dev.veil.attest.dcap.TcbStatus;
import dev.veil.attest.nitro.NitroDocument;
import dev.veil.attest.snp.SnpReport;
import dev.veil.attest.snp.TcbVersion;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A policy file or a contract's enclave object as anyone can write it: it parses into reference values or is refused
 * with a ProtocolException, and whatever parses can be checked, evaluated and shown without throwing.
 * Seeds (ReferenceValuesFuzzTestInputs: an SNP, a TDX and a sim policy, written for this target) run in the normal
 * suite; JAZZER_FUZZ=1 fuzzes (docs/FUZZING.md).
 */
class ReferenceValuesFuzzTest {
    private static final List<Claims> CLAIMS = List.of(
            new Claims(new byte[48], new byte[64], false, new SimClaims(new byte[64])),
            new Claims(new byte[48], new byte[64], false, new SnpClaims(snpReport(), "Milan", SnpClaims.SigningKey.VCEK,
                    TcbVersion.decode(8L << 48, false), Optional.empty(), Set.of())),
            new Claims(new byte[48], new byte[64], false, dcap(new ReportBody.Td(new byte[ReportBody.Td.LENGTH_10]))),
            new Claims(new byte[32], new byte[64], false, dcap(new ReportBody.Sgx(new byte[ReportBody.Sgx.LENGTH]))),
            new Claims(new byte[48], new byte[64], false, new NitroClaims(new NitroDocument(new byte[0], new byte[0],
                    new byte[0], NitroDocument.ES384, "i-0", "SHA384", 1L, Map.of(0, new byte[48]), new byte[0], List.of(),
                    null, null, null), "CN=fuzz")));

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
        for (Claims c : CLAIMS) {
            rv.evaluate(c);
        }
    }

    private static DcapClaims dcap(ReportBody body) {
        return new DcapClaims(body, new IntelTcb(TcbStatus.UP_TO_DATE, List.of(), OptionalLong.empty()), Set.of(),
                new DcapProvenance(4, "", "", "", "", Optional.empty(), Optional.empty(), Optional.empty(), "0"));
    }

    /** An SNP report at VMPL 0 whose guest policy has only the reserved-one bit. */
    private static SnpReport snpReport() {
        byte[] b = new byte[SnpReport.LENGTH];
        ByteBuffer r = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        r.putInt(0x00, 2).putLong(0x08, SnpReport.POLICY_RESERVED_ONE).putInt(0x34, 1);
        try {
            return SnpReport.parse(b);
        } catch (AttestationException e) {
            throw new IllegalStateException(e);
        }
    }
}
