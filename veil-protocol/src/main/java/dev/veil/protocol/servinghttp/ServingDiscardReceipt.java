package dev.veil.protocol.servinghttp;

import dev.veil.protocol.json.MayBeAbsent;
import dev.veil.protocol.translog.SignedTreeHead;
import java.util.List;

/**
 * The serving instance's signed statement to the model provider that its model is gone: the ONNX Runtime session was
 * closed and the items in {@code released} were done before this was signed. It counts what was served (requests and
 * input rows over every data provider: the numbers the model provider's budgets are about) and carries no digest or
 * text of any request.
 *
 * @param finalTreeHead the request log's head when the model was dropped: its size is every request answered, and the
 *                      model provider can check it is consistent with the heads it audited before
 * @param retireNonce hex of the retire request's nonce, or null when the contract's expiry retired the model
 */
public record ServingDiscardReceipt(String contractHash, String modelSha256, @MayBeAbsent String retireNonce, Long requestsServed,
                                    Long rowsServed, SignedTreeHead finalTreeHead, List<String> released, String issuedAt,
                                    String evidenceSha256) {
    public static final String KIND = "veil.serving-discard-receipt.v1";

    public ServingDiscardReceipt {
        if (contractHash == null || modelSha256 == null || requestsServed == null || rowsServed == null || finalTreeHead == null || released == null
                || issuedAt == null || evidenceSha256 == null) {
            throw new IllegalArgumentException("a serving discard receipt is incomplete");
        }
        released = List.copyOf(released);
    }
}
