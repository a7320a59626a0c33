#!/usr/bin/python3
"""Reference values for tests/ops/conv_dnnl_test.cpp and conv3d_dnnl_test.cpp (conv2d and conv3d through oneDNN and
the other CPU algorithms, on odd shapes).

Run with Debian's Python (it sees torch 1.13):  /usr/bin/python3 tests/ops/make_conv_dnnl_reference.py
Inputs are the formulas of make_nn_op_reference.py (x = sin(0.37 i + 0.1), w = 0.5 cos(0.53 i), upstream
g = sin(0.11 i), conv3d's bias b = 0.25 sin(0.9 i + 0.3)); everything is computed in float64. Outputs are too large
to paste whole, so each of y, gx and gw is summarised by 12 samples at flat indices k (n - 1) / 11 and a probe sum(t.flat[i] * cos(0.71 i)), which moves
when any element is wrong or misplaced.
"""
import math

import torch
import torch.nn.functional as F

from make_nn_op_reference import B, G, W, X, num, row, shp, pair


def summary(t):
    t = t.detach().contiguous().reshape(-1)
    n = t.numel()
    samples = [float(t[k * (n - 1) // 11]) for k in range(12)]
    probe = torch.tensor([math.cos(0.71 * i) for i in range(n)], dtype=torch.float64)
    return "{{" + ", ".join(num(v) for v in samples) + "}, " + num(float((t * probe).sum())) + "}"


# label, x, w, stride, padding, dilation, groups
CASES = [
    ("stride 2, padding 1", [2, 3, 7, 6], [5, 3, 3, 3], (2, 2), (1, 1), (1, 1), 1),
    ("stride 3 skips the last rows", [2, 3, 8, 8], [4, 3, 3, 3], (3, 3), (0, 0), (1, 1), 1),
    ("dilation 2, padding (1, 2)", [1, 4, 9, 8], [3, 4, 3, 2], (1, 1), (1, 2), (2, 2), 1),
    ("groups 2", [2, 6, 5, 5], [4, 3, 3, 3], (1, 1), (1, 1), (1, 1), 2),
    ("depthwise, stride (2, 1)", [2, 5, 6, 7], [5, 1, 3, 3], (2, 1), (1, 1), (1, 1), 5),
    ("1x1", [3, 7, 4, 5], [9, 7, 1, 1], (1, 1), (0, 0), (1, 1), 1),
    ("non-square 2x5 kernel", [1, 3, 6, 9], [4, 3, 2, 5], (1, 1), (0, 2), (1, 1), 1),
    ("batch 1, 17 -> 19 channels", [1, 17, 8, 8], [19, 17, 3, 3], (1, 1), (1, 1), (1, 1), 1),
    ("first layer, 3 channels, 11x11 stride 4", [2, 3, 27, 27], [16, 3, 11, 11], (4, 4), (2, 2), (1, 1), 1),
    ("wide, 32 -> 48 channels", [2, 32, 6, 6], [48, 32, 3, 3], (1, 1), (1, 1), (1, 1), 1),
]

# label, x, w, stride, padding, dilation, groups (conv3d, with a bias)
CASES_3D = [
    ("stride 2, padding 1", [2, 3, 5, 7, 6], [4, 3, 3, 3, 3], (2, 2, 2), (1, 1, 1), (1, 1, 1), 1),
    ("stride (3, 1, 2) skips the last depth", [1, 4, 9, 5, 6], [5, 4, 2, 3, 3], (3, 1, 2), (0, 1, 0), (1, 1, 1), 1),
    ("dilation (2, 1, 2), padding (2, 1, 0)", [2, 3, 7, 5, 6], [3, 3, 3, 2, 2], (1, 1, 1), (2, 1, 0), (2, 1, 2), 1),
    ("groups 2", [2, 6, 4, 5, 5], [4, 3, 3, 3, 3], (1, 1, 1), (1, 1, 1), (1, 1, 1), 2),
    ("depthwise, stride (1, 2, 1)", [1, 5, 4, 6, 5], [5, 1, 3, 3, 3], (1, 2, 1), (1, 1, 1), (1, 1, 1), 5),
    ("1x1x1", [2, 7, 3, 4, 5], [9, 7, 1, 1, 1], (1, 1, 1), (0, 0, 0), (1, 1, 1), 1),
    ("depth padding beyond the kernel's reach", [1, 2, 2, 3, 3], [3, 2, 1, 3, 3], (1, 1, 1), (2, 1, 1), (1, 1, 1), 1),
    ("wide, 64 -> 64 channels", [1, 64, 3, 6, 6], [64, 64, 3, 3, 3], (1, 1, 1), (1, 1, 1), (1, 1, 1), 1),
    ("one frame: two taps read only padding", [2, 3, 1, 5, 5], [4, 3, 3, 3, 3], (1, 1, 1), (1, 1, 1), (1, 1, 1), 1),
    ("1x1x3 kernel as a conv2d, groups 2", [2, 4, 3, 4, 9], [6, 2, 1, 1, 3], (1, 1, 2), (0, 0, 1), (2, 3, 2), 2),
]


def main():
    print("// ---- dnnl_conv_cases ----")
    for label, xs, ws, s, p, d, g in CASES:
        x = X(xs).requires_grad_()
        w = W(ws).requires_grad_()
        y = F.conv2d(x, w, None, s, p, d, g)
        y.backward(G(list(y.shape)))
        row('"%s"' % label, shp(xs), shp(ws), pair(s), pair(p), pair(d), str(g), shp(list(y.shape)),
            *(summary(t) for t in (y, x.grad, w.grad)))
    print("// ---- dnnl_conv3d_cases ----")
    for label, xs, ws, s, p, d, g in CASES_3D:
        x = X(xs).requires_grad_()
        w = W(ws).requires_grad_()
        y = F.conv3d(x, w, B([ws[0]]), s, p, d, g)
        y.backward(G(list(y.shape)))
        row('"%s"' % label, shp(xs), shp(ws), shp(s), shp(p), shp(d), str(g), shp(list(y.shape)),
            *(summary(t) for t in (y, x.grad, w.grad)))


if __name__ == "__main__":
    main()
