package dev.veil.attest.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.attest.AttestationException;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.Verifiers;

/**
 * Structure-aware COSE_Sign1: one part of a genuine Nitro document (protected header, unprotected header, payload or
 * signature) is replaced by fuzzed bytes and the array re-framed, so mutations land inside the payload's CBOR map
 * (module id, PCRs, certificate, CA bundle) instead of breaking the outer framing. Ends in claims or an
 * AttestationException. The last byte picks the document, the one before it the part; the byte strings (protected
 * header, payload, signature) are fuzzed as their content, the unprotected header as raw CBOR.
 * Seeds: each genuine document's payload and protected header.
 */
class CoseSign1FuzzTest {
    @FuzzTest(maxDuration = "5s")
    void replacePart(FuzzedDataProvider data) throws Exception {
        int doc = data.consumeInt(0, NitroDocuments.PARTS.size() - 1);
        int part = data.consumeInt(0, 3);
        byte[] content = data.consumeRemainingAsBytes();
        byte[] item = part == 1 ? content : NitroDocuments.bstr(content);
        try {
            Verifiers.forPlatform(Platform.NITRO).verify(NitroDocuments.withPart(doc, part, item),
                    VerificationOptions.at(NitroDocuments.AT.get(doc)));
        } catch (AttestationException expected) {
            // rejected with a reason
        }
    }
}
