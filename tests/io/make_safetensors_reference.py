#!/usr/bin/python3
"""Writes the reference safetensors bytes that tests/io/safetensors_test.cpp compares save_safetensors against.

The `safetensors` Python package is not installed here, so the file is built by hand from the format's
specification (https://huggingface.co/docs/safetensors): an 8-byte little-endian header length, the compact JSON
header ("__metadata__" first, as the Rust writer does) padded with spaces to a multiple of 8, then each tensor's
little-endian bytes in order. Run with /usr/bin/python3 and paste the printed hex into kReferenceHex.
"""
import json
import struct

# name -> (dtype code, shape, struct format of one element, values)
TENSORS = [
    ("weight", "F32", [2, 3], "f", [1.0, -2.5, 3.25, 0.0, 0.125, -7.0]),
    ("ids", "I64", [3], "q", [1, -2, 1 << 40]),
    ("half", "F16", [2], "e", [0.5, -65504.0]),
    ("scale", "BF16", [], None, [1.5]),  # 0-d; bf16 = top half of the float32
    ("mask", "BOOL", [3], "?", [True, False, True]),
    ("nothing", "U8", [0], "B", []),
    ("col", "I32", [2, 1], "i", [7, -8]),
    ("pi", "F64", [1], "d", [3.141592653589793]),
    ("bytes", "U8", [2], "B", [0, 255]),
]
METADATA = {"format": "pt", "note": "reference"}


def element_bytes(fmt, v):
    if fmt is None:
        return struct.pack("<f", v)[2:4]
    return struct.pack("<" + fmt, v)


def main():
    header = {"__metadata__": METADATA}
    data = b""
    for name, code, shape, fmt, values in TENSORS:
        raw = b"".join(element_bytes(fmt, v) for v in values)
        header[name] = {"dtype": code, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    blob = struct.pack("<Q", len(text)) + text + data
    hexed = blob.hex()
    for i in range(0, len(hexed), 96):
        print('    "' + hexed[i : i + 96] + '"')


if __name__ == "__main__":
    main()
