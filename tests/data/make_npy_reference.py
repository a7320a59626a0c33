#!/usr/bin/python3
"""Prints the NumPy-written reference bytes that tests/data/npy_test.cpp reads (and compares save_npy against).

Run with Debian's /usr/bin/python3 (numpy 1.24) and paste each printed hex string into the constant of that name.
"""
import io

import numpy as np


def npy(a):
    b = io.BytesIO()
    np.save(b, a)
    return b.getvalue()


def npz(save, **arrays):
    b = io.BytesIO()
    save(b, **arrays)
    return b.getvalue()


FIXTURES = {
    # float32 [2, 3] = arange(6) * 0.5 - 1, C order
    "kF32Hex": npy((np.arange(6, dtype=np.float32) * 0.5 - 1).reshape(2, 3)),
    # int64 [2, 3] = arange(6), Fortran order: the data are 0 3 1 4 2 5
    "kFortranHex": npy(np.asfortranarray(np.arange(6, dtype=np.int64).reshape(2, 3))),
    # numpy.savez: a = int32 [1, 2], b = float64 [[1.5]] (stored members)
    "kNpzStoredHex": npz(np.savez, a=np.array([1, 2], np.int32), b=np.array([[1.5]], np.float64)),
    # numpy.savez_compressed: the same arrays, deflated
    "kNpzDeflatedHex": npz(np.savez_compressed, a=np.array([1, 2], np.int32), b=np.array([[1.5]], np.float64)),
}

for name, data in FIXTURES.items():
    print(f"{name} ({len(data)} bytes):\n{data.hex()}\n")
