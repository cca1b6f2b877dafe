"""Writes the committed .npz fixtures of NpzTest with NumPy (run once; tests never run Python).

python3 make_fixtures.py   (NumPy 2.4.6 made the committed files)
"""
import io
import struct
import zipfile

import numpy as np


def arrays():
    return {
        "f32": np.array([[1.5, -2.0, 3.25], [0.0, 1e-3, -7.0]], dtype="<f4"),
        "f16": np.array([[1.0, -0.5], [65504.0, 2.0 ** -24]], dtype="<f2"),
        "f64": np.array([np.pi, -1e300, 0.0], dtype="<f8"),
        "i64": np.array([[-(2 ** 63), 2 ** 63 - 1], [0, 101]], dtype="<i8"),
        "i32": np.array([-(2 ** 31), 2 ** 31 - 1, 7, 0], dtype="<i4"),
        "i8": np.array([-128, 127, 0], dtype="i1"),
        "u8": np.array([[0, 255], [128, 1]], dtype="u1"),
        "b": np.array([True, False, True], dtype="?"),
        "scalar": np.array(42, dtype="<i8"),
    }


np.savez("all-types.npz", **arrays())
np.savez_compressed("all-types-compressed.npz", **arrays())
np.savez("big-endian.npz", x=np.arange(4, dtype=">f4"))
np.savez("fortran.npz", x=np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)))
np.savez("object.npz", x=np.array([1, "a", None], dtype=object), allow_pickle=True)
np.savez("int16.npz", x=np.arange(3, dtype="<i2"))

# A zip bomb: 64 MiB of zeros deflated to about 64 KiB, its sizes stated truly; and the same stream declaring only
# 1 KiB (both headers patched), which must not be inflated past what it declares.
zeros = np.zeros(64 << 20, dtype="u1")
np.savez_compressed("bomb.npz", x=zeros)
with open("bomb.npz", "rb") as f:
    data = bytearray(f.read())
with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
    info = z.infolist()[0]
local = info.header_offset
name_len, extra_len = struct.unpack_from("<HH", data, local + 26)
# numpy forces Zip64: the local sizes sit in the Zip64 extra field (uncompressed first)
assert struct.unpack_from("<HH", data, local + 30 + name_len)[0] == 1
struct.pack_into("<Q", data, local + 30 + name_len + 4, 1024)
cd = data.rfind(b"PK\x01\x02")
struct.pack_into("<I", data, cd + 24, 1024)
with open("bomb-lying.npz", "wb") as f:
    f.write(bytes(data))
