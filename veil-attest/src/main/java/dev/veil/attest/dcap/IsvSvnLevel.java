package dev.veil.attest.dcap;

import dev.veil.attest.json.JsonArray;
import dev.veil.attest.json.JsonFormatException;
import dev.veil.attest.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A TCB level keyed by one ISVSVN, as QE Identity and TDX module identities list them:
 * {@code {"tcb":{"isvsvn":n},"tcbDate":…,"tcbStatus":…,"advisoryIDs":[…]}} (advisories optional).
 */
record IsvSvnLevel(int isvSvn, Instant tcbDate, TcbStatus status, List<String> advisoryIds) {
    IsvSvnLevel {
        advisoryIds = List.copyOf(advisoryIds);
    }

    static IsvSvnLevel read(JsonObject level) throws JsonFormatException {
        return new IsvSvnLevel((int) level.object("tcb").integer("isvsvn", 0, 0xffff), level.instant("tcbDate"),
                TcbStatus.read(level, "tcbStatus"), advisories(level));
    }

    /** The levels of {@code owner}: a non-empty array, in the order Intel signed them (highest first). */
    static List<IsvSvnLevel> readAll(JsonObject owner) throws JsonFormatException {
        List<JsonObject> levels = nonEmpty(owner.array("tcbLevels"));
        List<IsvSvnLevel> out = new ArrayList<>();
        for (JsonObject l : levels) {
            out.add(read(l));
        }
        return out;
    }

    static List<String> advisories(JsonObject level) throws JsonFormatException {
        Optional<JsonArray> advisories = level.optionalArray("advisoryIDs");
        return advisories.isPresent() ? advisories.get().strings() : List.of();
    }

    static List<JsonObject> nonEmpty(JsonArray a) throws JsonFormatException {
        if (a.elements().isEmpty()) {
            throw new JsonFormatException(a.path(), "empty", "at least one TCB level");
        }
        return a.objects();
    }
}
