package dev.veil.enclave.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.contract.SessionLimits;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.FloatTensor;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DatasetLimitsTest {
    @Test
    void csvWithMillionsOfRowsIsRefusedBeforeAnyRowIsParsed() {
        byte[] csv = "1\n".repeat(5_000_000).getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> DatasetLimits.checkRowsBeforeParsing(SessionLimits.defaults().withMaxRows(1000), csv))
                .isInstanceOfSatisfying(SessionFailure.class, f -> {
                    assertThat(f.code()).isEqualTo(FailureCode.LIMIT_EXCEEDED);
                    assertThat(f.detail()).contains("limits.max_rows = 1000");
                    assertThat(f.getMessage()).isEqualTo("limit_exceeded");   // a stray getMessage() carries no detail
                });
    }

    @Test
    void headerAndBlankLinesDoNotCountAgainstTheLimit() throws Exception {
        byte[] csv = "f1,f2\n\n1,2\r\n3,4\n\n".getBytes(StandardCharsets.US_ASCII);
        DatasetLimits.checkRowsBeforeParsing(SessionLimits.defaults().withMaxRows(2), csv);
        DatasetLimits.checkRowsBeforeParsing(SessionLimits.defaults().withMaxRows(Long.MAX_VALUE), csv);
        DatasetLimits.checkRows(SessionLimits.defaults().withMaxRows(2), new FloatTensor(new long[] {2, 2}, new float[4]));
        assertThatThrownBy(() -> DatasetLimits.checkRows(SessionLimits.defaults().withMaxRows(1),
                new FloatTensor(new long[] {2, 2}, new float[4]))).hasMessage("limit_exceeded");
    }
}
