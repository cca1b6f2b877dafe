package dev.veil.protocol.contract;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The two parties of a session. */
public enum Role {
    MODEL_PROVIDER("model_provider"), DATA_PROVIDER("data_provider");

    private final String id;

    Role(String id) {
        this.id = id;
    }

    @JsonValue
    public String id() {
        return id;
    }

    @JsonCreator
    public static Role fromId(String id) {
        for (Role r : values()) {
            if (r.id.equals(id)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown role '" + id + "', expected model_provider or data_provider");
    }

    @Override
    public String toString() {
        return id;
    }
}
