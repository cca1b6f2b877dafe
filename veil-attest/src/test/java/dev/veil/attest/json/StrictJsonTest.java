package dev.veil.attest.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The strict reader on its own: exact byte ranges, and every shape it must refuse. */
class StrictJsonTest {
    static JsonObject read(String json) throws JsonFormatException {
        return StrictJson.parseObject(json.getBytes(StandardCharsets.UTF_8), "doc");
    }

    /** The range is found by the parser's token offsets, so spacing, escapes and multi-byte characters do not shift it. */
    @Test
    void objectBytesAreExactlyTheObjectAsWritten() throws Exception {
        String inner = "{ \"x\" : \"é\\u00e9}\\\"{\" ,\n \"y\":[ {\"z\":1} ] }";
        JsonObject doc = read("\n{ \"a\" :" + inner + " , \"b\":[1,2] }\n");
        assertThat(new String(doc.object("a").bytes(), StandardCharsets.UTF_8)).isEqualTo(inner);
        assertThat(doc.object("a").string("x")).isEqualTo("éé}\"{");
        assertThat(doc.object("a").array("y").objects().get(0).integer("z", 0, 9)).isEqualTo(1);
    }

    @Test
    void duplicateMemberAtAnyDepthIsRefusedWithItsPath() {
        assertThatThrownBy(() -> read("{\"a\":1,\"a\":2}")).hasMessageStartingWith("doc is an object with a member name twice");
        assertThatThrownBy(() -> read("{\"a\":{\"b\":[{\"c\":1,\"c\":1}]}}"))
                .hasMessageStartingWith("doc.a.b[0] is an object with a member name twice");
    }

    @Test
    void anythingAfterTheObjectIsRefused() {
        assertThatThrownBy(() -> read("{\"a\":1}{\"a\":2}")).hasMessageContaining("doc is followed by more data at byte 7");
        assertThatThrownBy(() -> read("{\"a\":1} 2")).hasMessageContaining("followed by more data");
        assertThatThrownBy(() -> read("{\"a\":1}]")).hasMessageContaining("doc is not valid JSON");
    }

    @Test
    void trailingWhitespaceIsNotData() throws Exception {
        assertThat(read("{\"a\":1} \r\n\t").keys()).containsExactly("a");
    }

    @Test
    void onlyAUtf8ObjectIsAccepted() {
        assertThatThrownBy(() -> StrictJson.parseObject("{\"a\":1}".getBytes(StandardCharsets.UTF_16LE), "doc"))
                .hasMessageContaining("doc is not UTF-8");
        assertThatThrownBy(() -> read("[1]")).hasMessageContaining("doc is a JSON [ first, expected a JSON object");
        assertThatThrownBy(() -> read("")).hasMessageContaining("doc is empty");
        assertThatThrownBy(() -> StrictJson.parseObject(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xff, '"', '}'}, "doc"))
                .hasMessageContaining("doc is not valid JSON");
    }

    @Test
    void integersAreIntegersInRange() throws Exception {
        JsonObject o = read("{\"f\":1.0,\"e\":1e2,\"big\":99999999999999999999,\"neg\":-1,\"s\":\"1\",\"n\":null}");
        assertThatThrownBy(() -> o.integer("f", 0, 9)).hasMessageContaining("doc.f is the non-integer number 1.0");
        assertThatThrownBy(() -> o.integer("e", 0, 999)).hasMessageContaining("doc.e is the non-integer number 1e2");
        assertThatThrownBy(() -> o.integer("big", 0, 9)).hasMessageContaining("doc.big is the integer 99999999999999999999");
        assertThatThrownBy(() -> o.integer("neg", 0, 9)).hasMessageContaining("doc.neg is -1, expected an integer from 0 to 9");
        assertThatThrownBy(() -> o.integer("s", 0, 9)).hasMessageContaining("doc.s is a string");
        assertThatThrownBy(() -> o.integer("n", 0, 9)).hasMessageContaining("doc.n is null");
        assertThatThrownBy(() -> o.integer("absent", 0, 9)).hasMessageContaining("doc.absent is absent, expected a required member");
    }

    @Test
    void hexAndTimesAreCheckedOnRead() throws Exception {
        JsonObject o = read("{\"h\":\"0A0b\",\"bad\":\"0g\",\"t\":\"2025-06-19T10:16:03Z\",\"local\":\"2025-06-19 10:16\"}");
        assertThat(o.hex("h", 2)).containsExactly(0x0a, 0x0b);
        assertThatThrownBy(() -> o.hex("h", 3)).hasMessageContaining("doc.h is '0A0b', expected 3 bytes in hex");
        assertThatThrownBy(() -> o.hex("bad", 1)).hasMessageContaining("expected 1 bytes in hex");
        assertThat(o.instant("t")).hasToString("2025-06-19T10:16:03Z");
        assertThatThrownBy(() -> o.instant("local")).hasMessageContaining("doc.local is '2025-06-19 10:16', expected an ISO-8601 UTC time");
    }

    @Test
    void deepNestingIsRefused() {
        assertThatThrownBy(() -> read("{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}")).hasMessageContaining("doc is not valid JSON");
    }

    /** Messages name the problem and never echo a long untrusted value. */
    @Test
    void messagesDoNotEchoDocuments() throws Exception {
        JsonObject o = read("{\"h\":\"" + "ab".repeat(1000) + "\"}");
        assertThatThrownBy(() -> o.hex("h", 1)).satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
    }
}
