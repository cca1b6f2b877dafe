package dev.veil.attest.dcap;

import dev.veil.attest.json.JsonFormatException;
import dev.veil.attest.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Intel's identity of a Quoting Enclave, read from the signed {@code enclaveIdentity} object of a PCS response.
 * Version 2 only (QVL EnclaveIdentityParser 4.1.2.9.4); id QE (SGX), TD_QE (TDX) or QVE (the verification enclave,
 * which no quote is checked against). MISCSELECT and ATTRIBUTES are the hex of the report's bytes, with masks.
 */
record QeIdentity(Id id, Instant issueDate, Instant nextUpdate, long tcbEvaluationDataNumber, byte[] miscselect,
                  byte[] miscselectMask, byte[] attributes, byte[] attributesMask, byte[] mrSigner, int isvProdId,
                  List<IsvSvnLevel> levels) implements IntelSigned {
    enum Id { QE, QVE, TD_QE }

    QeIdentity {
        levels = List.copyOf(levels);
    }

    @Override
    public String what() {
        return "QE Identity";
    }

    static QeIdentity read(JsonObject body) throws JsonFormatException {
        long version = body.integer("version", 0, Integer.MAX_VALUE);
        if (version != 2) {
            throw new JsonFormatException("QE Identity version", Long.toString(version), "2");
        }
        String s = body.string("id");
        Id id = null;
        for (Id i : Id.values()) {
            if (i.name().equals(s)) {
                id = i;
            }
        }
        if (id == null) {
            throw new JsonFormatException("QE Identity id", "'" + (s.length() > 16 ? s.substring(0, 16) + "…" : s) + "'", "QE, TD_QE or QVE");
        }
        return new QeIdentity(id, body.instant("issueDate"), body.instant("nextUpdate"),
                body.integer("tcbEvaluationDataNumber", 0, 0xffffffffL), body.hex("miscselect", 4), body.hex("miscselectMask", 4),
                body.hex("attributes", 16), body.hex("attributesMask", 16), body.hex("mrsigner", 32),
                (int) body.integer("isvprodid", 0, 0xffff), IsvSvnLevel.readAll(body));
    }

    /** The status of the level the QE's ISVSVN meets first (levels are highest first), with its advisories. */
    Optional<IsvSvnLevel> levelFor(int isvSvn) {
        return levels.stream().filter(l -> isvSvn >= l.isvSvn()).findFirst();
    }
}
