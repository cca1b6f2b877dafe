package dev.veil.protocol.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The signature is part of what both providers sign, so it is parsed as strictly as the rest of the contract: a
 * document that one reader takes for one signature and another reader for a different one is refused.
 */
class ModelSignatureStrictnessTest {
    private static final String OUT = "\"outputs\":[{\"name\":\"y\",\"shape\":[\"N\"],\"type\":\"int64\"}]";

    private static ModelSignature parse(String inputs) throws ProtocolException {
        return Json.parse(("{\"inputs\":[" + inputs + "]," + OUT + "}").getBytes(StandardCharsets.UTF_8),
                ModelSignature.class, "signature");
    }

    private static String input(String name, String type, String shape) {
        return "{\"name\":" + name + ",\"shape\":" + shape + ",\"type\":" + type + "}";
    }

    @Test
    void everyDimensionKindRoundTripsCanonically() throws Exception {
        String json = "{\"inputs\":[" + input("\"x\"", "\"float32\"", "[\"N\",3,null,0]") + "]," + OUT + "}";
        ModelSignature s = Json.parse(json.getBytes(StandardCharsets.UTF_8), ModelSignature.class, "signature");
        assertThat(s.inputs().get(0).shape()).containsExactly(Dim.free("N"), Dim.fixed(3), Dim.unnamed(), Dim.fixed(0));
        assertThat(new String(Json.canonical(s), StandardCharsets.UTF_8)).isEqualTo(json);
        assertThat(s).hasToString("inputs 'x' float32 [N, 3, ?, 0]; outputs 'y' int64 [N]");
    }

    @Test
    void unknownElementTypeIsRefused() {
        assertThatThrownBy(() -> parse(input("\"x\"", "\"float128\"", "[1]")))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("value type 'float128' is not one of");
    }

    @Test
    void duplicateInputNameCannotHideASecondTensor() {
        assertThatThrownBy(() -> parse(input("\"x\"", "\"float32\"", "[1]") + "," + input("\"x\"", "\"int64\"", "[1]")))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("name 'x' twice");
    }

    @Test
    void negativeDimensionIsRefused() {
        assertThatThrownBy(() -> parse(input("\"x\"", "\"float32\"", "[\"N\",-1]")))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("fixed sizes are 0 or more");
    }

    @Test
    void fractionalOrQuotedOrEmptyDimensionIsRefused() {
        for (String shape : new String[] {"[64.0]", "[\"\"]", "[true]", "[[1]]", "[18446744073709551616]"}) {
            assertThatThrownBy(() -> parse(input("\"x\"", "\"float32\"", shape))).as(shape).isInstanceOf(ProtocolException.class);
        }
    }

    @Test
    void numberIsNotATypeAndTypeIsNotANumber() {
        assertThatThrownBy(() -> parse(input("\"x\"", "1", "[1]"))).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> parse(input("7", "\"float32\"", "[1]"))).isInstanceOf(ProtocolException.class);
    }

    @Test
    void sequenceCannotCarryAShape() {
        assertThatThrownBy(() -> parse(input("\"x\"", "\"sequence\"", "[1]")))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("is a sequence, which has no shape");
    }

    @Test
    void nameWithControlOrBidiCharacterIsRefused() {
        assertThatThrownBy(() -> parse(input("\"x\\u202ey\"", "\"float32\"", "[1]")))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("control or formatting character");
        assertThatThrownBy(() -> parse(input("\"x\\ny\"", "\"float32\"", "[1]")))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("control or formatting character");
        assertThatThrownBy(() -> parse(input("\"x\"", "\"float32\"", "[\"N\\u0000\"]")))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("control or formatting character");
    }

    @Test
    void missingOrEmptyListsAndUnknownFieldsAreRefused() {
        assertThatThrownBy(() -> Json.parse(("{" + OUT + "}").getBytes(StandardCharsets.UTF_8), ModelSignature.class, "s"))
                .isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> parse("")).isInstanceOf(ProtocolException.class).hasMessageContaining("0 inputs");
        assertThatThrownBy(() -> parse("{\"name\":\"x\",\"shape\":[1],\"type\":\"float32\",\"layout\":\"nchw\"}"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("unknown field 'layout'");
        assertThatThrownBy(() -> parse("{\"name\":\"x\",\"name\":\"z\",\"shape\":[1],\"type\":\"float32\"}"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("duplicate key");
    }

    @Test
    void contractWithoutSignatureIsRefused() {
        SessionContract c = ContractKnownAnswerTest.katContract();
        SessionContract unsigned = new SessionContract(c.veilContract(), c.sessionId(), new ModelTerms(c.model().sha256(), "m", null),
                c.modelProvider(), c.dataProvider(), c.enclave(), c.keyWrap(), c.output(), c.resultRecipient(), c.expiresAt(), c.limits());
        assertThatThrownBy(() -> ContractVerifier.checkTerms(unsigned)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("contract model.signature is missing");
    }
}
