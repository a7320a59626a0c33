#!/usr/bin/python3
"""PyTorch 1.13 reference values for the spatial-layer tests of tessera::nn (conv_transpose, conv3d, padding,
pooling1d, instance_norm and upsampling tests in tests/nn/).

Run with Debian's Python (it sees torch):  /usr/bin/python3 tests/nn/make_spatial_reference.py
It writes tests/nn/spatial_reference_values.h with the same formulas and entry format as make_reference.py
(whose helpers it imports): inputs X, parameters P, upstream gradient G; each case records
[output, input gradient, parameter gradients...] unless its comment says otherwise.
"""
import os
import sys

sys.dont_write_bytecode = True  # importing make_reference must not leave a __pycache__ in tests/nn

import torch
import torch.nn as nn
import torch.nn.functional as F

from make_reference import HERE, X, G, entry, fill_params, layer, step


class Fn(nn.Module):
    """A parameterless layer from a function (functional forms, forward(x, output_size=...))."""

    def __init__(self, fn, inner=None):
        super().__init__()
        self.fn = fn
        self.inner = inner

    def forward(self, x):
        return self.fn(x)


def with_output_size(m, size):
    return Fn(lambda x: m(x, output_size=size), m)


def indices(m, x):
    """[indices] of a pooling layer with return_indices=True, as float64."""
    m.return_indices = True
    _, idx = m(x)
    return [idx.double()]


# ---- conv_transpose_test.cpp ---------------------------------------------------------------------------------

def conv_transpose():
    c = {}
    c["ct2d_stride2_pad1_outpad1"] = layer(nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1),
                                           X([2, 2, 4, 3]))
    c["ct2d_groups_dilation"] = layer(
        nn.ConvTranspose2d(4, 6, (2, 3), stride=(1, 2), padding=(1, 0), groups=2, dilation=(2, 1)), X([1, 4, 3, 4]))
    # output_padding 1 >= stride 1 (allowed because dilation is 2): the last row and column get only the bias.
    c["ct2d_outpad_ge_stride"] = layer(nn.ConvTranspose2d(2, 2, 3, dilation=2, output_padding=1), X([1, 2, 3, 3]))
    c["ct2d_no_bias_batch1"] = layer(nn.ConvTranspose2d(3, 2, (3, 2), stride=(3, 2), bias=False), X([1, 3, 2, 3]))
    c["ct2d_unbatched"] = layer(nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1), X([2, 4, 3]))
    c["ct2d_output_size"] = layer(with_output_size(nn.ConvTranspose2d(2, 2, 3, stride=(2, 3), padding=1), [8, 7]),
                                  X([1, 2, 4, 3]))
    c["ct1d_stride2_outpad1"] = layer(nn.ConvTranspose1d(2, 4, 3, stride=2, padding=1, output_padding=1),
                                      X([2, 2, 5]))
    c["ct1d_groups_dilation"] = layer(nn.ConvTranspose1d(4, 2, 2, groups=2, dilation=3), X([1, 4, 4]))
    c["ct1d_output_size"] = layer(with_output_size(nn.ConvTranspose1d(2, 3, 4, stride=3), [12]), X([2, 2, 3]))
    return c


# ---- conv3d_test.cpp -----------------------------------------------------------------------------------------

def conv3d():
    c = {}
    c["conv3d_stride_pad"] = layer(nn.Conv3d(2, 3, 3, stride=(2, 1, 2), padding=1), X([1, 2, 4, 5, 5]))
    c["conv3d_dilation_groups"] = layer(nn.Conv3d(4, 2, (2, 3, 2), dilation=(2, 1, 1), groups=2, bias=False),
                                        X([2, 4, 5, 4, 3]))
    c["conv3d_same_replicate"] = layer(nn.Conv3d(2, 2, (2, 3, 3), padding="same", padding_mode="replicate"),
                                       X([1, 2, 3, 4, 4]))
    c["conv3d_circular"] = layer(nn.Conv3d(1, 2, 3, padding=(1, 2, 1), padding_mode="circular"), X([1, 1, 3, 4, 3]))
    c["conv3d_same_zeros"] = layer(nn.Conv3d(1, 2, (2, 2, 3), padding="same", dilation=(1, 2, 1)),
                                   X([2, 1, 3, 4, 4]))
    c["conv3d_unbatched"] = layer(nn.Conv3d(2, 2, 2), X([2, 3, 3, 3]))
    return c


# ---- padding_test.cpp: conv padding modes, padding layers, functional pad -------------------------------------

def padding():
    c = {}
    c["conv2d_reflect"] = layer(nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"), X([1, 2, 4, 5]))
    c["conv2d_replicate_stride2"] = layer(
        nn.Conv2d(2, 2, (3, 2), stride=2, padding=(2, 1), padding_mode="replicate"), X([2, 2, 5, 5]))
    c["conv2d_circular_dilation_groups"] = layer(
        nn.Conv2d(4, 2, 3, padding=2, dilation=2, groups=2, padding_mode="circular"), X([1, 4, 4, 5]))
    c["conv2d_reflect_same_even"] = layer(nn.Conv2d(2, 2, (2, 4), padding="same", padding_mode="reflect"),
                                          X([1, 2, 4, 5]))
    c["conv1d_circular"] = layer(nn.Conv1d(2, 3, 3, padding=2, padding_mode="circular"), X([2, 2, 5]))
    c["conv1d_replicate_stride2"] = layer(nn.Conv1d(2, 2, 4, stride=2, padding=1, padding_mode="replicate"),
                                          X([1, 2, 7]))
    c["conv1d_same_even"] = layer(nn.Conv1d(2, 3, 4, padding="same"), X([2, 2, 6]))
    c["conv1d_same_reflect_dilation"] = layer(nn.Conv1d(1, 2, 3, padding="same", dilation=2, padding_mode="reflect"),
                                              X([1, 1, 6]))
    c["zero_pad2d"] = layer(nn.ZeroPad2d((1, 2, 0, 3)), X([1, 2, 2, 3]))
    c["constant_pad1d"] = layer(nn.ConstantPad1d((2, 1), 0.5), X([2, 3, 4]))
    c["constant_pad2d_unbatched"] = layer(nn.ConstantPad2d(1, -1.5), X([2, 2, 3]))
    c["constant_pad3d"] = layer(nn.ConstantPad3d((1, 0, 0, 2, 1, 1), 0.25), X([1, 1, 2, 2, 3]))
    c["reflection_pad1d"] = layer(nn.ReflectionPad1d(2), X([2, 3, 5]))
    c["reflection_pad2d"] = layer(nn.ReflectionPad2d((1, 2, 3, 0)), X([1, 2, 4, 5]))
    c["reflection_pad3d"] = layer(nn.ReflectionPad3d(1), X([1, 1, 2, 3, 3]))
    c["replication_pad1d"] = layer(nn.ReplicationPad1d((3, 1)), X([1, 2, 4]))
    c["replication_pad2d_unbatched"] = layer(nn.ReplicationPad2d(2), X([2, 3, 3]))
    c["replication_pad3d"] = layer(nn.ReplicationPad3d((1, 0, 2, 1, 0, 2)), X([1, 2, 2, 2, 3]))
    c["pad_constant_negative"] = layer(Fn(lambda x: F.pad(x, (-1, 2, 1, -1), value=0.25)), X([2, 3, 4]))
    c["pad_constant_3_dims"] = layer(Fn(lambda x: F.pad(x, (1, 1, 0, 1, 2, 0))), X([2, 3, 2]))
    c["pad_reflect_crop"] = layer(Fn(lambda x: F.pad(x, (-1, 3, 2, -1), mode="reflect")), X([1, 2, 4, 6]))
    c["pad_replicate_crop"] = layer(Fn(lambda x: F.pad(x, (2, -2), mode="replicate")), X([2, 2, 5]))
    c["pad_circular_crop"] = layer(Fn(lambda x: F.pad(x, (2, -1, 1, 3), mode="circular")), X([1, 2, 5, 3]))
    c["pad_circular_full_wrap"] = layer(Fn(lambda x: F.pad(x, (3, 3), mode="circular")), X([1, 2, 3]))
    return c


# ---- pooling1d_test.cpp: 1-d and adaptive pooling; "*_indices" cases hold [indices as float64] ----------------

def pooling():
    c = {}
    c["maxpool1d_pad_ceil"] = layer(nn.MaxPool1d(3, stride=2, padding=1, ceil_mode=True), X([2, 2, 8]))
    c["maxpool1d_pad_ceil_indices"] = indices(nn.MaxPool1d(3, stride=2, padding=1, ceil_mode=True), X([2, 2, 8]))
    c["maxpool1d_dilation"] = layer(nn.MaxPool1d(2, stride=1, dilation=2), X([1, 3, 6]))
    c["avgpool1d_pad_exclude"] = layer(nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False), X([2, 2, 7]))
    c["avgpool1d_ceil_include"] = layer(nn.AvgPool1d(2, stride=2, padding=1, ceil_mode=True), X([1, 2, 6]))
    c["avgpool1d_unbatched"] = layer(nn.AvgPool1d(3, stride=1, padding=1), X([2, 5]))
    c["adaptive_avgpool1d_5_to_3"] = layer(nn.AdaptiveAvgPool1d(3), X([2, 2, 5]))
    c["adaptive_avgpool1d_grow"] = layer(nn.AdaptiveAvgPool1d(7), X([1, 2, 4]))
    c["adaptive_avgpool2d_nondivisible"] = layer(nn.AdaptiveAvgPool2d((3, 4)), X([2, 2, 5, 7]))
    c["adaptive_avgpool2d_grow_mixed"] = layer(nn.AdaptiveAvgPool2d((5, 2)), X([1, 3, 3, 6]))
    c["adaptive_avgpool2d_unbatched"] = layer(nn.AdaptiveAvgPool2d((2, 3)), X([2, 3, 5]))
    c["adaptive_maxpool2d"] = layer(nn.AdaptiveMaxPool2d((3, 4)), X([2, 2, 5, 7]))
    c["adaptive_maxpool2d_indices"] = indices(nn.AdaptiveMaxPool2d((3, 4)), X([2, 2, 5, 7]))
    c["adaptive_maxpool2d_grow"] = layer(nn.AdaptiveMaxPool2d((4, 3)), X([1, 2, 3, 5]))
    c["adaptive_maxpool1d"] = layer(nn.AdaptiveMaxPool1d(3), X([2, 2, 7]))
    c["adaptive_maxpool1d_indices"] = indices(nn.AdaptiveMaxPool1d(3), X([2, 2, 7]))
    return c


# ---- instance_norm_test.cpp ------------------------------------------------------------------------------------

def tracked_instance_norm(m, shape):
    """Two training steps on x(phase 0) and 1.5 x(phase 1) + 0.3, then eval on x(phase 0):
    [y1, dx1, dparams..., y2, running_mean, running_var, y_eval, dx_eval, dparams_eval...]."""
    m = m.double()
    fill_params(m)
    m.train()
    first = step(m, X(shape))
    second = step(m, X(shape, 1.5, 1.0) + 0.3)
    stats = [m.running_mean.clone(), m.running_var.clone()]
    assert int(m.num_batches_tracked) == 0  # InstanceNorm never counts batches
    m.eval()
    return first + second[:1] + stats + step(m, X(shape))


def instance_norm():
    c = {}
    c["in2d_default"] = layer(nn.InstanceNorm2d(3), X([2, 3, 3, 4]))
    c["in2d_affine"] = layer(nn.InstanceNorm2d(3, affine=True), X([2, 3, 2, 3], 2.0, 0.5) + 0.7)
    c["in1d_unbatched_affine"] = layer(nn.InstanceNorm1d(3, affine=True, eps=1e-3), X([3, 6]))
    c["in2d_eval_without_tracking"] = layer(nn.InstanceNorm2d(2, affine=True).eval(), X([1, 2, 2, 2]))
    c["in1d_tracked_affine"] = tracked_instance_norm(
        nn.InstanceNorm1d(4, affine=True, track_running_stats=True, momentum=0.3), [3, 4, 5])
    c["in2d_tracked"] = tracked_instance_norm(nn.InstanceNorm2d(2, track_running_stats=True, eps=1e-3), [2, 2, 3, 3])
    return c


# ---- upsampling_test.cpp: Upsample / interpolate and PixelShuffle / PixelUnshuffle ----------------------------

def upsampling():
    c = {}
    up = nn.Upsample
    c["nearest_scale2"] = layer(up(scale_factor=2), X([1, 2, 3, 4]))
    c["nearest_size_nondivisible"] = layer(up(size=(5, 7)), X([2, 1, 3, 4]))
    c["nearest_fractional_scales"] = layer(up(scale_factor=(1.7, 0.6)), X([1, 2, 5, 6]))
    c["nearest_recompute"] = layer(
        Fn(lambda x: F.interpolate(x, scale_factor=1.7, recompute_scale_factor=True)), X([1, 1, 5, 5]))
    c["nearest_same_size_scale"] = layer(up(scale_factor=1.2), X([1, 1, 4]))
    # floor(4 * 1.2) = 4: the forward reads rows [0, 0, 1, 2] (scale 1 / 1.2), but PyTorch 1.13's backward
    # treats an unchanged size as a copy, so its gradient is not the forward's. Record the forward's adjoint.
    exact = torch.zeros(1, 1, 4).index_add_(2, torch.tensor([0, 0, 1, 2]), G([1, 1, 4]))
    assert not torch.allclose(c["nearest_same_size_scale"][1], exact)
    c["nearest_same_size_scale"][1] = exact
    c["nearest_1d"] = layer(up(scale_factor=2.5), X([2, 2, 3]))
    c["nearest_3d"] = layer(up(size=(3, 2, 5)), X([1, 1, 2, 3, 4]))
    c["bilinear_scale2"] = layer(up(scale_factor=2, mode="bilinear"), X([1, 2, 3, 4]))
    c["bilinear_align_corners"] = layer(up(size=(5, 7), mode="bilinear", align_corners=True), X([2, 1, 3, 4]))
    c["bilinear_downsample"] = layer(up(size=(2, 3), mode="bilinear"), X([1, 2, 5, 7]))
    c["bilinear_downsample_align"] = layer(up(size=(2, 3), mode="bilinear", align_corners=True), X([1, 2, 5, 7]))
    c["bilinear_fractional_scales"] = layer(up(scale_factor=(1.5, 2.3), mode="bilinear"), X([1, 1, 4, 3]))
    c["bilinear_same_height"] = layer(up(scale_factor=(1.2, 2.0), mode="bilinear"), X([1, 1, 4, 3]))
    c["bilinear_size1_align"] = layer(up(size=(1, 3), mode="bilinear", align_corners=True), X([1, 1, 3, 4]))
    c["linear_align"] = layer(up(scale_factor=1.5, mode="linear", align_corners=True), X([1, 2, 4]))
    c["trilinear"] = layer(up(size=(3, 4, 2), mode="trilinear"), X([1, 1, 2, 3, 4]))
    c["upsampling_bilinear2d"] = layer(nn.UpsamplingBilinear2d(scale_factor=2), X([1, 1, 3, 3]))
    c["pixel_shuffle"] = layer(nn.PixelShuffle(2), X([2, 8, 2, 3]))
    c["pixel_shuffle_lead_dims"] = layer(nn.PixelShuffle(3), X([2, 1, 9, 2, 1]))
    c["pixel_unshuffle"] = layer(nn.PixelUnshuffle(2), X([1, 2, 4, 6]))
    return c


SECTIONS = [
    ("conv_transpose", "conv_transpose_test.cpp", conv_transpose),
    ("conv3d", "conv3d_test.cpp", conv3d),
    ("padding", "padding_test.cpp", padding),
    ("pooling", "pooling1d_test.cpp", pooling),
    ("instance_norm", "instance_norm_test.cpp", instance_norm),
    ("upsampling", "upsampling_test.cpp", upsampling),
]

HEADER = """#pragma once
// PyTorch 1.13 reference values for the spatial-layer tests of tessera::nn. Generated by
// tests/nn/make_spatial_reference.py (input formulas in make_reference.py); do not edit, rerun it:
// /usr/bin/python3 tests/nn/make_spatial_reference.py
#include <vector>

#include "nn_testing.h"

namespace tessera::testing::spatial_reference {

// clang-format off
"""


def main():
    out = [HEADER]
    for name, test_file, make in SECTIONS:
        out.append("// %s\ninline const std::vector<NnReference>& %s() {\n" % (test_file, name))
        out.append("  static const auto* table = new std::vector<NnReference>{\n")
        out.append("\n".join(entry(k, v) for k, v in make().items()))
        out.append("\n  };\n  return *table;\n}\n\n")
    out.append("// clang-format on\n\n}  // namespace tessera::testing::spatial_reference\n")
    with open(os.path.join(HERE, "spatial_reference_values.h"), "w") as f:
        f.write("".join(out))
    print("wrote spatial_reference_values.h")


if __name__ == "__main__":
    main()
