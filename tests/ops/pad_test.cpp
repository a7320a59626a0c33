// pad / pad_backward: every mode's index map on hand-checked values (PyTorch 1.13 agrees; the float64
// comparisons with PyTorch, gradients included, are in tests/nn/padding_test.cpp), negative pads, dtypes,
// non-contiguous and empty inputs, the gradient, and every error path.
#include "tessera/ops/pad.h"

#include <gtest/gtest.h>

#include <vector>

#include "tessera/ops/creation.h"
#include "testing.h"

namespace tessera {
namespace {

using testing::doubles;
using testing::expect_error;

// [1, n] holding 0 .. n-1.
Tensor row(int64_t n, DType dt = kFloat64) { return arange(n, dt).reshape({1, n}); }

TEST(Pad, EveryModeIn1d) {
  const Tensor x = row(5);
  using V = std::vector<double>;
  EXPECT_EQ(doubles(pad(x, {2, 3}, "constant", 9.0)), (V{9, 9, 0, 1, 2, 3, 4, 9, 9, 9}));
  EXPECT_EQ(doubles(pad(x, {2, 3})), (V{0, 0, 0, 1, 2, 3, 4, 0, 0, 0}));
  EXPECT_EQ(doubles(pad(x, {2, 3}, "reflect")), (V{2, 1, 0, 1, 2, 3, 4, 3, 2, 1}));
  EXPECT_EQ(doubles(pad(x, {2, 3}, "replicate")), (V{0, 0, 0, 1, 2, 3, 4, 4, 4, 4}));
  EXPECT_EQ(doubles(pad(x, {2, 3}, "circular")), (V{3, 4, 0, 1, 2, 3, 4, 0, 1, 2}));
  EXPECT_EQ(pad(x, {2, 3}).shape(), (Shape{1, 10}));
}

TEST(Pad, NegativePadsCrop) {
  const Tensor x = row(6);
  using V = std::vector<double>;
  EXPECT_EQ(doubles(pad(x, {-1, 2}, "constant", 7.0)), (V{1, 2, 3, 4, 5, 7, 7}));
  EXPECT_EQ(doubles(pad(x, {-1, 2}, "reflect")), (V{1, 2, 3, 4, 5, 4, 3}));
  EXPECT_EQ(doubles(pad(x, {-1, 2}, "replicate")), (V{1, 2, 3, 4, 5, 5, 5}));
  // Circular crops first, then wraps around what is left (PyTorch's order).
  EXPECT_EQ(doubles(pad(x, {-1, 2}, "circular")), (V{1, 2, 3, 4, 5, 1, 2}));
  EXPECT_EQ(doubles(pad(x, {2, -3}, "circular")), (V{1, 2, 0, 1, 2}));
  EXPECT_EQ(pad(x, {-3, -3}).shape(), (Shape{1, 0}));
}

TEST(Pad, TwoDimsAndNonContiguousInput) {
  const Tensor x = arange(6, kFloat64).reshape({1, 2, 3});
  using V = std::vector<double>;
  EXPECT_EQ(doubles(pad(x, {2, 1, 1, 0}, "reflect")), (V{5, 4, 3, 4, 5, 4, 2, 1, 0, 1, 2, 1, 5, 4, 3, 4, 5, 4}));
  EXPECT_EQ(doubles(pad(x, {0, 1, 0, 1}, "constant", -1.0)), (V{0, 1, 2, -1, 3, 4, 5, -1, -1, -1, -1, -1}));
  // [[0, 3], [1, 4], [2, 5]] (a transposed view).
  const Tensor t = x.transpose(1, 2);
  EXPECT_EQ(doubles(pad(t, {1, 0}, "replicate")), (V{0, 0, 3, 1, 1, 4, 2, 2, 5}));
  EXPECT_EQ(doubles(pad(t, {0, 0, 1, 1}, "circular")), (V{2, 5, 0, 3, 1, 4, 2, 5, 0, 3}));
}

TEST(Pad, Dtypes) {
  EXPECT_EQ(testing::ivalues(pad(row(3, kInt64), {1, 1}, "constant", 7.0)), (std::vector<int64_t>{7, 0, 1, 2, 7}));
  const Tensor i32 = pad(row(3, kInt32), {2, 0}, "circular");
  EXPECT_EQ(i32.dtype(), kInt32);
  EXPECT_EQ(doubles(i32), (std::vector<double>{1, 2, 0, 1, 2}));
  const Tensor b = pad(full({1, 2}, false, kBool), {1, 0}, "constant", 1.0);
  EXPECT_EQ(b.dtype(), kBool);
  EXPECT_EQ(doubles(b), (std::vector<double>{1, 0, 0}));
  for (DType dt : {kFloat16, kBFloat16, kFloat32}) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor y = pad(row(4, dt), {2, 1}, "reflect");
    EXPECT_EQ(y.dtype(), dt);
    EXPECT_EQ(doubles(y), (std::vector<double>{2, 1, 0, 1, 2, 3, 2}));
  }
}

TEST(Pad, EmptyInputsAndNoPadding) {
  EXPECT_EQ(pad(zeros({0, 3}), {1, 1}).shape(), (Shape{0, 5}));
  EXPECT_EQ(doubles(pad(zeros({2, 0}), {1, 1}, "constant", 3.0)), (std::vector<double>(4, 3.0)));
  // An empty pad list copies: the result does not alias the input.
  const Tensor x = row(3);
  Tensor y = pad(x, {});
  y.fill_(5.0);
  EXPECT_EQ(doubles(x), (std::vector<double>{0, 1, 2}));
  // A 0-d input with no pads.
  EXPECT_EQ(doubles(pad(scalar_tensor(2.5), {})), (std::vector<double>{2.5}));
}

TEST(Pad, BackwardSumsIntoTheSources) {
  using V = std::vector<double>;
  const Tensor g = ones({1, 10}, kFloat64);
  EXPECT_EQ(doubles(pad_backward(g, {2, 3}, PadMode::kReflect)), (V{1, 3, 3, 2, 1}));
  EXPECT_EQ(doubles(pad_backward(g, {2, 3}, PadMode::kReplicate)), (V{3, 1, 1, 1, 4}));
  EXPECT_EQ(doubles(pad_backward(g, {2, 3}, PadMode::kCircular)), (V{2, 2, 2, 2, 2}));
  EXPECT_EQ(doubles(pad_backward(g, {2, 3}, PadMode::kConstant)), (V{1, 1, 1, 1, 1}));
  EXPECT_EQ(doubles(pad_backward(g, {-1, 2}, PadMode::kConstant)), (V{0, 1, 1, 1, 1, 1, 1, 1, 1}));
  EXPECT_EQ(pad_backward(g, {-1, 2}, PadMode::kConstant).shape(), (Shape{1, 9}));
  // Through autograd, and the value does not matter.
  const Tensor x = row(5).requires_grad_();
  pad(x, {2, 3}, "reflect").backward(g);
  EXPECT_EQ(doubles(x.grad()), (V{1, 3, 3, 2, 1}));
  const Tensor z = row(5).requires_grad_();
  pad(z, {1, 1}, "constant", 4.0).sum().backward();
  EXPECT_EQ(doubles(z.grad()), (V(5, 1.0)));
}

TEST(Pad, AttributesPrint) {
  PadAttrs a;
  a.pad = {2, 3}, a.mode = PadMode::kReflect;
  EXPECT_EQ(a.repr(), "pad=[2, 3], mode=reflect");
  a.mode = PadMode::kConstant, a.value = 0.5;
  EXPECT_EQ(a.repr(), "pad=[2, 3], mode=constant, value=0.5");
  EXPECT_EQ(pad_mode_from("circular", "pad"), PadMode::kCircular);
  EXPECT_STREQ(pad_mode_name(PadMode::kReplicate), "replicate");
}

TEST(Pad, Errors) {
  const Tensor x = row(6);
  expect_error<ValueError>([&] { pad(x, {1, 2, 3}); }, "pad: padding length must be divisible by 2, got (1, 2, 3)");
  expect_error<ShapeError>(
      [&] {
        pad(x, {1, 1, 1, 1, 1, 1});
      },
      "pad: padding (1, 1, 1, 1, 1, 1) pads 3 dims but input [1, 6] has 2");
  expect_error<ShapeError>(
      [&] {
        pad(arange(6, kFloat64), {1, 2}, "reflect");
      },
      "pad: reflect padding pads the last 1, 2 or 3 dims of an input with 1 or 2 more dims, got "
      "padding (1, 2) for input [6]");
  expect_error<ShapeError>([&] { pad(x, {1, 1, 1, 1}, "replicate"); }, "replicate padding pads the last");
  expect_error<ShapeError>([&] { pad(zeros({1, 1, 1, 1, 6}), {1, 2}, "circular"); }, "circular padding pads the last");
  expect_error<ShapeError>(
      [&] {
        pad(x, {-4, -3});
      },
      "pad: padding (-4, -3) of dim 1 of input [1, 6] gives a negative size -1");
  expect_error<ShapeError>(
      [&] {
        pad(zeros({1, 0}), {1, 1}, "replicate");
      },
      "pad: replicate padding needs non-empty padded dims, got input [1, 0]");
  expect_error<ShapeError>(
      [&] {
        pad(x, {6, 2}, "reflect");
      },
      "pad: reflect padding (6, 2) of dim 1 must be smaller than its size 6 (input [1, 6])");
  expect_error<ShapeError>([&] { pad(x, {7, 2}, "circular"); }, "wraps around more than once");
  EXPECT_EQ(pad(x, {6, 6}, "circular").shape(), (Shape{1, 18}));
  expect_error<NotImplementedError>(
      [&] {
        pad(x, {1, 1}, "mirror");
      },
      "pad: unknown padding mode \"mirror\" (expected constant, reflect, replicate or circular)");
  expect_error<ValueError>(
      [&] {
        pad(x, {1, 1}, "reflect", 2.0);
      },
      "pad: padding mode \"reflect\" doesn't take a value argument");
  expect_error<DTypeError>([&] { pad_backward(row(4, kInt64), {1, 1}, PadMode::kConstant); }, "pad_backward");
  expect_error<ShapeError>(
      [&] {
        pad_backward(row(4), {3, 2}, PadMode::kConstant);
      },
      "pad_backward: grad_output [1, 4] is smaller than the padding (3, 2)");
  expect_error<ShapeError>([&] { pad_backward(row(4), {2, 1}, PadMode::kReflect); }, "pad_backward: reflect padding");
}

}  // namespace
}  // namespace tessera
