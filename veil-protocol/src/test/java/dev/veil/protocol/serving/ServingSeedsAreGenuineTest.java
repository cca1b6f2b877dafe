package dev.veil.protocol.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The committed seeds pass every check of their target, so the fuzzer starts past the parsers' first refusals. */
class ServingSeedsAreGenuineTest {
    private static byte[] seed(String target, String name) throws Exception {
        return Files.readAllBytes(Path.of(ServingSeedsAreGenuineTest.class.getResource("ServingParsersFuzzTestInputs").toURI())
                .resolve(target).resolve(name));
    }

    @Test
    void seedsOpenVerifyAndParse() throws Exception {
        var contract = ServingContractVerifier.verify(SignedServingContract.parse(seed("servingContractThenVerify", "contract.json"), "seed"),
                ServingFuzzSession.CHECKED_AT);
        assertThat(contract.budgetFor(ServingFuzzSession.DATA_PROVIDER.publicIdentity()).rowsTotal()).isEqualTo(1_000_000L);
        ServingContractVerifier.verify(SignedServingContract.parse(seed("servingContractThenVerify", "contract-any.json"), "seed"),
                ServingFuzzSession.CHECKED_AT).budgetFor(ServingFuzzSession.DATA_PROVIDER.publicIdentity());
        assertThat(ServingFuzzSession.gateway().open(seed("openRequest", "request"), ServingFuzzSession.CHECKED_AT).request().rows()).isEqualTo(4);
        assertThat(ServingFuzzSession.gateway().admit(seed("requestPlaintext", "plaintext"), ServingFuzzSession.ENC,
                ResponseSecret.veil(ServingFuzzSession.EXPORTED, ServingFuzzSession.ENC), ServingFuzzSession.CHECKED_AT).request().rows())
                .isEqualTo(4);
        assertThat(ServingResponse.parse(seed("response", "ok")).isOk()).isTrue();
        assertThat(ServingResponse.parse(seed("response", "failed")).isOk()).isFalse();
    }
}
