package dev.veil.protocol.wire;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** One step of the ceremony on the wire. Each message type is one step; see docs/PROTOCOL.md. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Messages.Hello.class, name = "hello"),
    @JsonSubTypes.Type(value = Messages.EvidenceOffer.class, name = "evidence"),
    @JsonSubTypes.Type(value = Messages.KeyRelease.class, name = "key_release"),
    @JsonSubTypes.Type(value = Messages.AssetUpload.class, name = "asset_upload"),
    @JsonSubTypes.Type(value = Messages.Accepted.class, name = "accepted"),
    @JsonSubTypes.Type(value = Messages.ResultReady.class, name = "result"),
    @JsonSubTypes.Type(value = Messages.DiscardNotice.class, name = "discarded"),
    @JsonSubTypes.Type(value = Messages.Failure.class, name = "failure")
})
public sealed interface Message permits Messages.Hello, Messages.EvidenceOffer, Messages.KeyRelease,
        Messages.AssetUpload, Messages.Accepted, Messages.ResultReady, Messages.DiscardNotice, Messages.Failure {
}
