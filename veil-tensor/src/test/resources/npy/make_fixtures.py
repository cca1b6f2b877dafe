# Regenerates the numpy-written fixtures used by NumpyFixturesTest (numpy 2.4.6 wrote the committed files).
import numpy as np
np.save("f32_3x4.npy", np.arange(12, dtype=np.float32).reshape(3, 4) / 4)
np.save("f64_be_2x2.npy", np.array([[1.5, -2.0], [3.25, 1e10]], dtype=">f8"))
np.save("i64_5.npy", np.array([0, 1, -7, 2**40, 9], dtype=np.int64))
np.save("f32_fortran.npy", np.asfortranarray(np.ones((2, 3), dtype=np.float32)))
np.save("u8_2x1x3.npy", np.array([[[0, 128, 255]], [[1, 2, 3]]], dtype=np.uint8))
