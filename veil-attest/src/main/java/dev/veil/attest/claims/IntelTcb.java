package dev.veil.attest.claims;

import dev.veil.attest.dcap.TcbStatus;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Intel's verdict on a TDX/SGX platform's TCB, as the verifier's matching against TCB Info and QE Identity found it.
 *
 * @param status the converged TCB status; {@link TcbStatus#UNKNOWN} when no TCB Info was available, unless the QE
 *               Identity said the Quoting Enclave is Revoked or below every level (then that status)
 * @param advisoryIds the security advisories that apply to the matched level and the Quoting Enclave's, empty when none
 *                    (or not assessed)
 * @param evaluationDataNumber the lower of the TCB Info's and the QE Identity's tcbEvaluationDataNumber; empty when
 *                             neither was available
 */
public record IntelTcb(TcbStatus status, List<String> advisoryIds, OptionalLong evaluationDataNumber) {
    public IntelTcb {
        Objects.requireNonNull(status, "status");
        advisoryIds = List.copyOf(advisoryIds);
        Objects.requireNonNull(evaluationDataNumber, "evaluationDataNumber");
    }

    /** No TCB Info: nothing could be assessed. */
    public static IntelTcb unknown(OptionalLong evaluationDataNumber) {
        return new IntelTcb(TcbStatus.UNKNOWN, List.of(), evaluationDataNumber);
    }
}
