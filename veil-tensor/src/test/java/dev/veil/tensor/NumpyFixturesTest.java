package dev.veil.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** Files written by numpy itself (src/test/resources/npy/make_fixtures.py), not by Veil. */
class NumpyFixturesTest {
    @Test
    void readsWhatNumpyWrote() throws Exception {
        FloatTensor f32 = Npy.read(resource("f32_3x4.npy"));
        assertThat(f32.shape()).containsExactly(3, 4);
        assertThat(f32.values()[11]).isEqualTo(2.75f);
        FloatTensor be = Npy.read(resource("f64_be_2x2.npy"));
        assertThat(be.values()).containsExactly(1.5f, -2f, 3.25f, 1e10f);
        assertThat(Npy.read(resource("i64_5.npy")).values()).containsExactly(0f, 1f, -7f, (float) (1L << 40), 9f);
        FloatTensor u8 = Npy.read(resource("u8_2x1x3.npy"));
        assertThat(u8.shape()).containsExactly(2, 1, 3);
        assertThat(u8.values()).containsExactly(0, 128, 255, 1, 2, 3);
        assertThatThrownBy(() -> Npy.read(resource("f32_fortran.npy"))).hasMessageContaining("Fortran");
    }

    @Test
    void veilOutputIsByteIdenticalToNumpyForTheSameArray() throws Exception {
        float[] v = new float[12];
        for (int i = 0; i < 12; i++) {
            v[i] = i / 4f;
        }
        assertThat(Npy.writeFloat32(new FloatTensor(new long[] {3, 4}, v))).isEqualTo(resource("f32_3x4.npy"));
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = NumpyFixturesTest.class.getResourceAsStream("/npy/" + name)) {
            return in.readAllBytes();
        }
    }
}
