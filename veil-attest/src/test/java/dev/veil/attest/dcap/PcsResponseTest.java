package dev.veil.attest.dcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Vectors;
import dev.veil.attest.x509.CertificateSet;
import dev.veil.attest.x509.Signatures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every PCS response in testdata/vectors, Intel's production ones and its QVL test-PKI samples, reads into typed records. */
class PcsResponseTest {
    /** Intel's test-PKI TDX TCB Info, whose first level has an SGX component SVN of 65473. */
    static final String OUT_OF_RANGE_SVN = "intel-qvl-testpki/tdx/tcbInfo.json";

    static Stream<String> responses() throws IOException {
        try (Stream<Path> all = Files.walk(Vectors.dir())) {
            return all.filter(p -> p.toString().endsWith(".json")).map(p -> Vectors.dir().relativize(p).toString())
                    .filter(p -> p.startsWith("intel-") || p.contains(".collateral/") || p.contains("sample_"))
                    .filter(p -> !p.equals(OUT_OF_RANGE_SVN))
                    .sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("responses")
    void everyRealResponseReads(String file) throws Exception {
        Signed<?> s = PcsResponse.read(Vectors.read(file));
        assertThat(s.signature()).hasSize(64);
        String text = new String(Vectors.read(file), StandardCharsets.UTF_8);
        assertThat(text).contains(new String(s.signedBytes(), StandardCharsets.UTF_8));
        if (s.body() instanceof TcbInfo t) {
            assertThat(t.levels()).isNotEmpty();
            assertThat(t.tdxModule().isPresent()).isEqualTo(t.id() == TcbInfo.Id.TDX);
        }
    }

    /**
     * Component SVNs are bytes (the PCK certificate's are 0–255). Intel's QVL truncates a larger value to its low
     * byte (TcbComponent: static_cast of a uint32); Veil refuses it rather than compare against a value nobody wrote.
     */
    @Test
    void componentSvnAboveAByteIsRefusedNotTruncated() {
        assertThatThrownBy(() -> PcsResponse.read(Vectors.read(OUT_OF_RANGE_SVN)))
                .hasMessageContaining("PCS response.tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents[1].svn is 65473, expected an integer from 0 to 255");
    }

    @Test
    void responsesAreFound() throws Exception {
        assertThat(responses().count()).isGreaterThanOrEqualTo(25);
    }

    @Test
    void tdxTcbInfoReadsModuleIdentitiesAndBothComponentLists() throws Exception {
        TcbInfo t = (TcbInfo) PcsResponse.read(Vectors.read("tdx/dcapqvl-tdx_quote.collateral/tcbinfo_response.json")).body();
        assertThat(t.id()).isEqualTo(TcbInfo.Id.TDX);
        assertThat(t.tcbEvaluationDataNumber()).isEqualTo(17);
        assertThat(t.tdxModuleIdentities()).extracting(TdxModuleIdentity::id).containsExactly("TDX_03", "TDX_01");
        assertThat(t.tdxModuleIdentities().get(1).levels()).extracting(IsvSvnLevel::isvSvn).containsExactly(4, 2);
        assertThat(t.levels().get(0).tcb().sgxSvns()).startsWith(2, 2, 2, 2, 3, 1, 0, 5);
        assertThat(t.levels().get(0).tcb().tdxSvns()).startsWith(5, 0, 2);
        assertThat(t.levels().get(1).advisoryIds()).hasSize(14).startsWith("INTEL-SA-00106");
    }

    /** TCB Info v2 (PCS API v3, SGX only, components as sgxtcbcompNNsvn), as Intel's QVL still accepts: Intel's test-PKI sample. */
    @Test
    void tcbInfoVersion2IsReadAsSgx() throws Exception {
        Signed<?> s = PcsResponse.read(Vectors.read("intel-qvl-testpki/sgx/tcbInfo.json"));
        TcbInfo t = (TcbInfo) s.body();
        assertThat(t.version()).isEqualTo(2);
        assertThat(t.id()).isEqualTo(TcbInfo.Id.SGX);
        assertThat(t.levels()).allSatisfy(l -> assertThat(l.tcb().sgxSvns()).hasSize(16));
        List<java.security.cert.X509Certificate> chain = CertificateSet.parseAll(Vectors.read("intel-qvl-testpki/sgx/tcbSignChain.pem"));
        var signer = chain.stream().filter(c -> CertificateSet.commonName(c).equals(TcbSigner.CN)).findFirst().orElseThrow();
        assertThat(Signatures.ecdsaP1363("SHA256", signer.getPublicKey(), s.signedBytes(), s.signature())).isTrue();
    }
}
