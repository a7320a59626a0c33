#!/usr/bin/python3
"""Reference values of conv2d/conv1d, pooling and softmax for tests/ops/{conv,pool,softmax}_test.cpp.

Run with Debian's Python (it sees torch 1.13):
  /usr/bin/python3 tests/ops/make_nn_op_reference.py [conv|pool|softmax]
It prints the C++ case tables that the tests hold, named as the functions that return them (already wrapped; they
sit between clang-format off/on), and a few loose values (`nan`, `-inf windows`) written into single tests.
Inputs are not printed: both sides build them from the same formulas, so only outputs travel:
  input   x.flat[i] = sin(0.37 i + 0.1)          weight  w.flat[i] = 0.5 cos(0.53 i)
  bias    b.flat[i] = 0.25 sin(0.9 i + 0.3)       upstream gradient  g.flat[i] = sin(0.11 i)
  steps   x.flat[i] = floor(2 sin(0.37 i + 0.1))  (ties for max pooling)
Everything is computed in float64.
"""
import math
import sys

import torch
import torch.nn.functional as F


def wave(shape, a=0.37, b=0.1, scale=1.0, f=math.sin):
    n = math.prod(shape)
    return torch.tensor([scale * f(a * i + b) for i in range(n)], dtype=torch.float64).reshape(shape)


def X(shape):
    return wave(shape)


def W(shape):
    return wave(shape, 0.53, 0.0, 0.5, math.cos)


def B(shape):
    return wave(shape, 0.9, 0.3, 0.25)


def G(shape):
    return wave(shape, 0.11, 0.0)


def steps(shape):
    return wave(shape, f=lambda t: math.floor(2 * math.sin(t)), b=0.1)


def num(v):
    if math.isnan(v):
        return "kNaN"
    if math.isinf(v):
        return "kInf" if v > 0 else "-kInf"
    s = "%.13g" % v
    return s if any(c in s for c in ".en") else s + ".0"


def vals(t):
    t = t.detach().contiguous().reshape(-1)
    if t.dtype == torch.int64:
        return "{" + ", ".join(str(int(v)) for v in t) + "}"
    return "{" + ", ".join(num(float(v)) for v in t) + "}"


def shp(s):
    return "{" + ", ".join(str(int(v)) for v in s) + "}"


def pair(p):
    return "{%d, %d}" % (p[0], p[1])


def cbool(v):
    return "true" if v else "false"


def row(*fields, width=120, indent=6):
    """Prints one table entry (the tables sit between clang-format off/on): fields that fit share a line; a long
    list starts a line of its own and wraps after its commas."""
    pad = " " * (indent + 1)
    lines = [" " * indent + "{"]
    for i, f in enumerate(fields):
        f += "}," if i == len(fields) - 1 else ","
        sep = "" if lines[-1].endswith("{") else " "
        if len(lines[-1]) + len(sep) + len(f) <= width:
            lines[-1] += sep + f
            continue
        lines.append(pad)
        for w in f.split(" "):
            if len(lines[-1]) + 1 + len(w) > width:
                lines.append(pad)
            lines[-1] += ("" if lines[-1] == pad else " ") + w
    print("\n".join(lines))


# ---- conv_test.cpp -------------------------------------------------------------------------------------------

def conv_input(xs, transpose):
    # A transposed input is built as [N, C, W, H] and viewed as [N, C, H, W] (a non-contiguous view).
    if transpose:
        return X(xs[:-2] + [xs[-1], xs[-2]]).transpose(-1, -2)
    return X(xs)


def conv():
    # label, x, w, bias, transpose_x, stride, padding, dilation, groups
    cases = [
        ("plain", [2, 2, 4, 5], [3, 2, 3, 3], False, False, (1, 1), (0, 0), (1, 1), 1),
        ("stride 2, padding 1", [2, 2, 5, 4], [2, 2, 3, 3], False, False, (2, 2), (1, 1), (1, 1), 1),
        ("dilation 2", [1, 2, 6, 7], [2, 2, 3, 2], False, False, (1, 1), (0, 0), (2, 2), 1),
        ("groups 2", [2, 4, 3, 4], [4, 2, 2, 2], False, False, (1, 1), (0, 0), (1, 1), 2),
        ("depthwise, multiplier 2", [1, 3, 4, 4], [6, 1, 3, 3], False, False, (1, 1), (0, 0), (1, 1), 3),
        ("1x1", [2, 3, 2, 3], [5, 3, 1, 1], False, False, (1, 1), (0, 0), (1, 1), 1),
        ("1x1, stride 2", [1, 3, 3, 4], [2, 3, 1, 1], False, False, (2, 2), (0, 0), (1, 1), 1),
        ("3x2 kernel, padding (1, 0)", [2, 1, 3, 4], [2, 1, 3, 2], False, False, (1, 1), (1, 0), (1, 1), 1),
        ("batch 1, stride (2, 1)", [1, 3, 5, 5], [2, 3, 3, 3], False, False, (2, 1), (1, 1), (1, 1), 1),
        ("3 -> 5 channels, bias", [2, 3, 4, 4], [5, 3, 3, 3], True, False, (1, 1), (0, 0), (1, 1), 1),
        ("unbatched, bias", [3, 4, 5], [2, 3, 3, 3], True, False, (1, 1), (1, 1), (1, 1), 1),
        ("transposed input", [1, 2, 5, 4], [2, 2, 2, 3], True, True, (1, 2), (1, 1), (1, 1), 1),
        ("padding larger than the kernel", [1, 2, 4, 3], [2, 2, 2, 2], False, False, (3, 2), (3, 2), (1, 1), 1),
    ]
    print("// ---- conv2d_cases ----")
    for label, xs, ws, bias, tr, s, p, d, g in cases:
        y = F.conv2d(conv_input(xs, tr), W(ws), B([ws[0]]) if bias else None, s, p, d, g)
        row('"%s"' % label, shp(xs), shp(ws), cbool(bias), cbool(tr), pair(s), pair(p), pair(d), str(g), shp(y.shape),
            vals(y))

    # label, x, w, bias, dilation, mode
    same = [
        ("same 2x2", [1, 2, 5, 6], [1, 2, 2, 2], False, (1, 1), "same"),
        ("same 2x2, dilation 2", [1, 2, 5, 6], [1, 2, 2, 2], False, (2, 2), "same"),
        ("same 4x3, unbatched", [2, 5, 6], [1, 2, 4, 3], False, (1, 1), "same"),
        ("same 4x3, dilation 2, bias", [1, 2, 5, 6], [1, 2, 4, 3], True, (2, 2), "same"),
        ("same 4x3, dilation (1, 2)", [1, 2, 5, 6], [1, 2, 4, 3], False, (1, 2), "same"),
        ("same 3x3", [1, 2, 5, 6], [1, 2, 3, 3], False, (1, 1), "same"),
        ("valid 3x2", [1, 2, 5, 6], [1, 2, 3, 2], True, (1, 1), "valid"),
    ]
    print("// ---- padding_mode_cases ----")
    for label, xs, ws, bias, d, mode in same:
        y = F.conv2d(X(xs), W(ws), B([ws[0]]) if bias else None, 1, mode, d)
        row('"%s"' % label, shp(xs), shp(ws), cbool(bias), pair(d),
            "PaddingMode::kSame" if mode == "same" else "PaddingMode::kValid", shp(y.shape), vals(y))

    # label, x, w, bias, stride, padding, dilation, groups
    c1 = [
        ("plain", [2, 2, 7], [3, 2, 3], False, 1, 0, 1, 1),
        ("stride 2, padding 2, dilation 2, groups 2, bias", [2, 4, 9], [6, 2, 3], True, 2, 2, 2, 2),
        ("unbatched, stride 2, padding 1", [2, 8], [2, 2, 3], False, 2, 1, 1, 1),
    ]
    print("// ---- conv1d_cases ----")
    for label, xs, ws, bias, s, p, d, g in c1:
        y = F.conv1d(X(xs), W(ws), B([ws[0]]) if bias else None, s, p, d, g)
        row('"%s"' % label, shp(xs), shp(ws), cbool(bias), str(s), str(p), str(d), str(g), shp(y.shape), vals(y))

    # label, x, w, bias, stride, padding, dilation, groups: gradients of sum(conv2d(x, w, b) * g)
    grads = [
        ("stride 2, padding (0, 1), last row uncovered", [2, 1, 5, 6], [2, 1, 2, 3], True, (2, 2), (0, 1), (1, 1), 1),
        ("stride 2, padding (1, 0), last column uncovered", [2, 1, 5, 5], [2, 1, 3, 2], False, (2, 2), (1, 0), (1, 1),
         1),
        ("groups 2, padding 1, batch 3", [3, 4, 3, 3], [4, 2, 2, 2], False, (1, 1), (1, 1), (1, 1), 2),
        ("padding larger than the kernel", [2, 2, 4, 3], [2, 2, 2, 2], False, (3, 2), (3, 2), (1, 1), 1),
        ("depthwise, dilation 2", [2, 2, 4, 4], [4, 1, 2, 2], False, (1, 1), (0, 0), (2, 2), 2),
    ]
    print("// ---- conv2d_grad_cases ----")
    for label, xs, ws, bias, s, p, d, g in grads:
        x, w = X(xs).requires_grad_(), W(ws).requires_grad_()
        bb = B([ws[0]]).requires_grad_() if bias else None
        y = F.conv2d(x, w, bb, s, p, d, g)
        y.backward(G(list(y.shape)))
        row('"%s"' % label, shp(xs), shp(ws), cbool(bias), pair(s), pair(p), pair(d), str(g), vals(x.grad),
            vals(w.grad), vals(bb.grad) if bias else "{}")


# ---- pool_test.cpp -------------------------------------------------------------------------------------------

def pool_input(xs, kind):
    if kind == "kTransposed":
        return X(xs[:-2] + [xs[-1], xs[-2]]).transpose(-1, -2)
    return steps(xs) if kind == "kSteps" else X(xs)


def pool():
    # label, x, input kind, kernel, stride, padding, dilation, ceil_mode
    maxes = [
        ("2x2 stride 2", [2, 2, 4, 6], "kWave", (2, 2), (2, 2), (0, 0), (1, 1), False),
        ("3x3 stride 2 padding 1", [1, 2, 5, 6], "kWave", (3, 3), (2, 2), (1, 1), (1, 1), False),
        ("ceil_mode, odd size", [1, 2, 5, 7], "kWave", (2, 2), (2, 2), (0, 0), (1, 1), True),
        ("ceil_mode, padding: last window dropped", [1, 1, 5, 5], "kWave", (2, 2), (2, 2), (1, 1), (1, 1), True),
        ("dilation 2, padding 1", [1, 1, 6, 7], "kWave", (2, 3), (1, 1), (1, 1), (2, 2), False),
        ("unbatched 2x2 stride 1", [2, 4, 5], "kWave", (2, 2), (1, 1), (0, 0), (1, 1), False),
        ("transposed input", [1, 2, 5, 4], "kTransposed", (2, 2), (2, 1), (1, 0), (1, 1), True),
        ("ties", [1, 2, 5, 6], "kSteps", (3, 3), (2, 2), (1, 1), (1, 1), True),
        ("ties, stride 1", [1, 1, 4, 5], "kSteps", (2, 3), (1, 1), (0, 1), (1, 1), False),
        ("ties, 2x2 stride 2, odd size", [1, 2, 5, 7], "kSteps", (2, 2), (2, 2), (0, 0), (1, 1), False),
    ]
    print("// ---- max_pool_cases ----")
    for label, xs, kind, k, s, p, d, c in maxes:
        y, i = F.max_pool2d(pool_input(xs, kind), k, s, p, d, c, return_indices=True)
        row('"%s"' % label, shp(xs), "Input::" + kind, pair(k), pair(s), pair(p), pair(d), cbool(c), shp(y.shape),
            vals(y), vals(i))

    # label, x, input kind, kernel, stride, padding, ceil_mode, count_include_pad
    avgs = [
        ("2x2 stride 2", [2, 2, 4, 4], "kWave", (2, 2), (2, 2), (0, 0), False, True),
        ("3x3 stride 2 padding 1, count_include_pad", [1, 2, 5, 6], "kWave", (3, 3), (2, 2), (1, 1), False, True),
        ("3x3 stride 2 padding 1, exclude pad", [1, 2, 5, 6], "kWave", (3, 3), (2, 2), (1, 1), False, False),
        ("ceil_mode edge, count_include_pad", [1, 1, 6, 6], "kWave", (3, 3), (2, 2), (1, 1), True, True),
        ("ceil_mode edge, exclude pad", [1, 1, 6, 6], "kWave", (3, 3), (2, 2), (1, 1), True, False),
        ("ceil_mode, no padding", [1, 1, 5, 7], "kWave", (2, 2), (2, 2), (0, 0), True, True),
        ("unbatched, padding", [2, 4, 5], "kWave", (2, 3), (1, 2), (1, 1), False, True),
        ("transposed input", [1, 2, 5, 4], "kTransposed", (2, 2), (1, 1), (1, 0), False, False),
    ]
    print("// ---- avg_pool_cases ----")
    for label, xs, kind, k, s, p, c, inc in avgs:
        y = F.avg_pool2d(pool_input(xs, kind), k, s, p, c, inc)
        row('"%s"' % label, shp(xs), "Input::" + kind, pair(k), pair(s), pair(p), cbool(c), cbool(inc), shp(y.shape),
            vals(y))

    # label, max?, x, kernel, stride, padding, ceil_mode, count_include_pad: d sum(pool(x) * g) / dx
    grads = [
        ("max 3x3 stride 2 padding 1 (overlapping windows)", True, [1, 2, 5, 5], (3, 3), (2, 2), (1, 1), False, True),
        ("max ceil_mode", True, [1, 1, 5, 7], (2, 2), (2, 2), (0, 0), True, True),
        ("max 2x2 stride 2, odd size", True, [1, 2, 5, 7], (2, 2), (2, 2), (0, 0), False, True),
        ("max 3x3 stride 2 padding 1 on 6x6 (2x2-sized, overlapping)", True, [1, 2, 6, 6], (3, 3), (2, 2), (1, 1),
         False, True),
        ("avg ceil_mode edge, count_include_pad", False, [1, 1, 6, 6], (3, 3), (2, 2), (1, 1), True, True),
        ("avg ceil_mode edge, exclude pad", False, [1, 1, 6, 6], (3, 3), (2, 2), (1, 1), True, False),
    ]
    print("// ---- pool_grad_cases ----")
    for label, is_max, xs, k, s, p, c, inc in grads:
        x = X(xs).requires_grad_()
        y = F.max_pool2d(x, k, s, p, 1, c) if is_max else F.avg_pool2d(x, k, s, p, c, inc)
        y.backward(G(list(y.shape)))
        row('"%s"' % label, "Pool::kMax" if is_max else "Pool::kAvg", shp(xs), pair(k), pair(s), pair(p), cbool(c),
            cbool(inc), vals(x.grad))

    # NaNs: x = wave [1, 1, 4, 4] with NaN at flat 5 and at flat 10 and 15 (two in one window).
    x = X([1, 1, 4, 4])
    x.view(-1)[[5, 10, 15]] = float("nan")
    y, i = F.max_pool2d(x, 2, return_indices=True)
    print("// ---- nan ----")
    print("y", vals(y), "\nidx", vals(i))

    # Windows of -inf (MaxPool2d.AllNegativeInfinityWindows), and windows that hold no input cell
    # (MaxPool2d.WindowWithNoInputCell: torch's indices point past the window; the gradient must be zero).
    print("// ---- -inf windows ----")
    print("idx", vals(F.max_pool2d(torch.full((1, 1, 3, 3), -math.inf), 2, 1, 1, return_indices=True)[1]))
    y, i = F.max_pool2d(X([1, 1, 2, 3]), (2, 1), 1, (1, 0), (3, 1), return_indices=True)
    print("no input cell: y", vals(y), "idx", vals(i))

    print("// ---- adaptive_cases ----")
    for xs, o in (([2, 3, 5, 7], (1, 1)), ([1, 2, 6, 8], (3, 4)), ([2, 6, 4], (2, 2))):
        y = F.adaptive_avg_pool2d(X(xs), o)
        row(shp(xs), pair(o), shp(y.shape), vals(y))


# ---- softmax_test.cpp ----------------------------------------------------------------------------------------

def softmax_input(kind, xs):
    if kind == "kTransposed":  # [2, 3, 4] viewed as [4, 3, 2]
        return (3 * X([2, 3, 4])).transpose(0, 2)
    if kind == "kLarge":
        return 1000 + 3 * X(xs)
    if kind == "kSpread":
        return 1000 * X(xs)
    x = 3 * X(xs)
    if kind == "kMaskedInf":  # -inf at flat 0, 3, 4, 5, 6, 7: in [3, 4], row 0 partly, row 1 all -inf
        x.view(-1)[[i for i in (0, 3, 4, 5, 6, 7) if i < x.numel()]] = -math.inf
    return x


def softmax():
    # label, input kind, shape, dim
    cases = [
        ("dim 0", "kWave", [2, 3, 4], 0),
        ("dim 1", "kWave", [2, 3, 4], 1),
        ("dim -1", "kWave", [2, 3, 4], -1),
        ("transposed input, dim 1", "kTransposed", [4, 3, 2], 1),
        ("transposed input, dim -1", "kTransposed", [4, 3, 2], -1),
        ("values ~1e3", "kLarge", [3, 4], 1),
        ("values +-1e3", "kSpread", [3, 4], 1),
        ("-inf entries", "kMaskedInf", [3, 4], 1),
    ]
    print("// ---- softmax_cases ----")
    for label, kind, xs, d in cases:
        x = softmax_input(kind, xs)
        row('"%s"' % label, "Input::" + kind, shp(xs), str(d), vals(torch.softmax(x, d)),
            vals(torch.log_softmax(x, d)))

    # Gradients of sum(f(x) * g): finite rows only (an all -inf row is NaN in both libraries).
    grads = cases[1:2] + cases[3:4] + cases[6:7] + [("-inf entries, one row", "kMaskedInf", [1, 4], 1)]
    print("// ---- softmax_grad_cases ----")
    for label, kind, xs, d in grads:
        gx = []
        for f in (torch.softmax, torch.log_softmax):
            x = softmax_input(kind, xs).requires_grad_()
            y = f(x, d)
            y.backward(G(list(y.shape)))
            gx.append(vals(x.grad))
        row('"%s"' % label, "Input::" + kind, shp(xs), str(d), gx[0], gx[1])

if __name__ == "__main__":
    torch.set_printoptions(precision=17)
    which = sys.argv[1:] or ["conv", "pool", "softmax"]
    for name in which:
        {"conv": conv, "pool": pool, "softmax": softmax}[name]()
