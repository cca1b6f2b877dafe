package dev.veil.attest.dcap;

import dev.veil.attest.AttestationException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * The Quoting Enclave's report against Intel's QE Identity (QVL EnclaveReportVerifier, 4.1.2.9.5–4.1.2.9.10):
 * MISCSELECT and ATTRIBUTES under their masks, MRSIGNER, ISVPRODID must match; the ISVSVN then selects a level,
 * whose status (UpToDate, Revoked, otherwise OutOfDate) is folded into the platform's.
 */
final class QeIdentityCheck {
    private static final HexFormat HEX = HexFormat.of();

    /** The QE's level status (as a component of the platform status) and that level's advisories. */
    record Outcome(TcbStatus status, List<String> advisoryIds, String description) {
    }

    private QeIdentityCheck() {
    }

    static Outcome check(QeIdentity id, ReportBody.Sgx qe) throws AttestationException {
        // MISCSELECT is written as the hex of the report's little-endian bytes, like ATTRIBUTES.
        byte[] misc = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(qe.miscSelect()).array();
        masked("QE MISCSELECT", misc, id.miscselect(), id.miscselectMask());
        masked("QE ATTRIBUTES", qe.attributes(), id.attributes(), id.attributesMask());
        if (!MessageDigest.isEqual(qe.mrSigner(), id.mrSigner())) {
            throw new AttestationException("QE MRSIGNER", HEX.formatHex(qe.mrSigner()), HEX.formatHex(id.mrSigner()));
        }
        if (qe.isvProdId() != id.isvProdId()) {
            throw new AttestationException("QE ISVPRODID", Integer.toString(qe.isvProdId()), Integer.toString(id.isvProdId()));
        }
        int isvSvn = qe.isvSvn();
        return id.levelFor(isvSvn)
                .map(l -> new Outcome(l.status().asQeComponent(), l.advisoryIds(), id.id() + " isvsvn " + isvSvn + ": " + l.status().text()))
                .orElseGet(() -> new Outcome(TcbStatus.NOT_SUPPORTED, List.of(),
                        id.id() + " isvsvn " + isvSvn + ": " + TcbStatus.NOT_SUPPORTED.text() + " (below every level)"));
    }

    /** Intel's rule: the report's bits under the mask equal the identity's value (QVL applyMask(report, mask) == value). */
    private static void masked(String claim, byte[] found, byte[] want, byte[] mask) throws AttestationException {
        for (int i = 0; i < found.length; i++) {
            if ((found[i] & mask[i]) != want[i]) {
                throw new AttestationException(claim, HEX.formatHex(found), HEX.formatHex(want) + " under mask " + HEX.formatHex(mask));
            }
        }
    }
}
