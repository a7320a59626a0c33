// F(2x2, 3x3) and F(2x2, 5x5) Winograd convolution (backend/cpu/winograd.h), all three passes, against float64 im2col
// on the shapes that take its edge paths: odd output sizes (partial tiles at the bottom and right), padding 0, 1 and 2
// (tiles crossing every edge), non-square planes, batch 1, channel counts off the vector width, more tiles than one
// chunk (chunk boundaries inside a tile row and across images), a bias added in the output transform; through conv2d
// and its gradient ops with the algorithm forced, and through autograd with the automatic choice on a layer large
// enough to take Winograd. PyTorch reference values for two 3x3 cases run through Winograd in
// tests/ops/conv_dnnl_test.cpp.
#include "tessera/backend/cpu/winograd.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "tessera/backend/cpu/conv_algorithm.h"
#include "tessera/ops/conv.h"
#include "tessera/ops/conv3d.h"
#include "tessera/ops/fused_conv.h"
#include "testing.h"

namespace tessera {
namespace {

using cpu::ConvAlgorithm;
using Pair = std::array<int64_t, 2>;
using Triple = std::array<int64_t, 3>;

Tensor wave(const Shape& s, double freq, double phase) {
  const int64_t n = numel(s);
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = std::sin(freq * static_cast<double>(i) + phase);
  return testing::make(v, kFloat64, s);
}

using AlgorithmScope = cpu::ConvAlgorithmScope;

// Expects float32 `got` within tol of the float64 `want`, relative to want's largest magnitude.
void expect_close_to_scale(const Tensor& got, const Tensor& want, double tol = 2e-6) {
  ASSERT_EQ(got.shape(), want.shape());
  EXPECT_EQ(got.dtype(), kFloat32);
  const std::vector<double> a = testing::doubles(got), b = testing::doubles(want);
  double scale = 0, worst = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    scale = std::max(scale, std::abs(b[i]));
    worst = std::max(worst, std::abs(a[i] - b[i]));
  }
  EXPECT_LE(worst, tol * scale) << "largest magnitude " << scale;
}

struct Case {
  Shape x;
  int64_t c_out;
  Pair padding;
};

// All three passes with the algorithm forced, against float64 im2col; `tol` relative to the largest magnitude.
void expect_passes_match_im2col(const std::vector<Case>& cases, int64_t r, double tol, double weight_grad_tol) {
  AlgorithmScope scope(ConvAlgorithm::kWinograd);
  for (const Case& c : cases) {
    SCOPED_TRACE(shape_str(c.x) + " -> " + std::to_string(c.c_out) + " channels, kernel " + std::to_string(r));
    const Tensor x = wave(c.x, 0.37, 0.1), w = wave({c.c_out, c.x[1], r, r}, 0.53, 0.3) * 0.5;
    const Tensor want = conv2d(x, w, {}, {1, 1}, c.padding);  // float64: im2col
    expect_close_to_scale(conv2d(x.to(kFloat32), w.to(kFloat32), {}, {1, 1}, c.padding), want, tol);
    const Tensor gy = wave(want.shape(), 0.29, 0.7);
    const Tensor gx_want = conv2d_input_grad(gy, w, c.x, {1, 1}, c.padding, {1, 1}, 1);
    expect_close_to_scale(conv2d_input_grad(gy.to(kFloat32), w.to(kFloat32), c.x, {1, 1}, c.padding, {1, 1}, 1),
                          gx_want, tol);
    const Tensor gw_want = conv2d_weight_grad(x, gy, w.shape(), {1, 1}, c.padding, {1, 1}, 1);
    expect_close_to_scale(conv2d_weight_grad(x.to(kFloat32), gy.to(kFloat32), w.shape(), {1, 1}, c.padding, {1, 1}, 1),
                          gw_want, weight_grad_tol);
  }
}

TEST(Winograd, AllThreePassesEqualIm2colInFloat64) {
  const std::vector<Case> cases{
      {{2, 3, 9, 9}, 5, {1, 1}},      // odd output: partial tiles at the bottom and right
      {{1, 17, 7, 8}, 6, {0, 0}},     // batch 1, no padding, 5x6 output
      {{2, 4, 6, 5}, 3, {2, 2}},      // padding 2: output larger than the input
      {{1, 5, 4, 11}, 7, {1, 2}},     // non-square plane and padding
      {{2, 64, 40, 40}, 64, {1, 1}},  // 800 tiles: chunks of 512 end inside a tile row and span images
      {{3, 9, 3, 3}, 4, {1, 1}},      // a plane smaller than a tile
      {{2, 6, 5, 3}, 4, {0, 0}},      // w = 3, no padding: no tile inside the columns (3x1 output)
      {{1, 4, 3, 3}, 5, {0, 0}},      // a 1x1 output
      {{2, 3, 4, 1}, 2, {2, 2}},      // w = 1, padding 2: the input gradient's rows are 3 wide, unpadded
  };
  // The weight gradient sums products of transformed tiles (differences of neighbouring values) over every tile,
  // then transforms back: on these smooth inputs its float32 error is 1.7e-5 of the largest magnitude at 800
  // tiles (blocked oneDNN's: 3.5e-6, im2col's: 1.9e-6; on random inputs all three stay below 1e-6).
  expect_passes_match_im2col(cases, 3, 2e-6, 5e-5);
}

// F(2x2, 5x5): the same edge cases for a 5x5 kernel (6x6 patches, padding up to 4).
TEST(Winograd, FiveByFiveEqualsIm2colInFloat64) {
  const std::vector<Case> cases{
      {{2, 3, 9, 9}, 5, {2, 2}},      // odd output: partial tiles at the bottom and right
      {{1, 17, 7, 8}, 6, {0, 0}},     // batch 1, no padding, 3x4 output
      {{2, 4, 6, 5}, 3, {4, 4}},      // padding 4: the input gradient is unpadded
      {{1, 5, 5, 11}, 7, {1, 3}},     // non-square plane and padding
      {{2, 64, 40, 40}, 64, {2, 2}},  // 800 tiles: chunks of 224 end inside a tile row and span images
      {{3, 9, 3, 3}, 4, {2, 2}},      // a plane smaller than a patch
      {{2, 6, 5, 3}, 4, {0, 1}},      // w + padding below 6: no tile inside the columns (1x1 output)
      {{2, 3, 4, 1}, 2, {4, 4}},      // w = 1, padding 4
  };
  // Larger transform coefficients (up to 8/3) and 6x6 patches: the forward's and input gradient's float32 errors
  // reach 2.5e-5 of the largest magnitude (F(2x2, 3x3): 2e-6). The weight gradient's reach 2.3e-4 on these smooth
  // inputs at 800 tiles, as a float32 simulation of the same transforms in NumPy gave (4e-6 on Gaussian inputs).
  expect_passes_match_im2col(cases, 5, 3e-5, 3e-4);
}

TEST(Winograd, BiasInTheOutputTransform) {
  AlgorithmScope scope(ConvAlgorithm::kWinograd);
  const Tensor x = wave({2, 6, 7, 9}, 0.41, 0.2), w = wave({5, 6, 3, 3}, 0.61, 0.4), b = wave({5}, 1.1, 0.5);
  for (bool with_relu : {false, true}) {
    SCOPED_TRACE(with_relu ? "relu" : "no relu");
    FusedConv2dAttrs a;
    a.conv.padding = {1, 1};
    a.relu = with_relu;
    const Tensor want = conv2d(x, w, b, {1, 1}, {1, 1});
    expect_close_to_scale(fused_conv2d(x.to(kFloat32), w.to(kFloat32), b.to(kFloat32), a),
                          with_relu ? relu(want) : want);
  }
}

// The automatic choice takes Winograd for 64 -> 64 channels at 14x15 (all three passes); the tape's gradients
// equal float64 im2col's.
TEST(Winograd, AutomaticChoiceThroughAutograd) {
  const Tensor x64 = wave({2, 64, 14, 15}, 0.37, 0.1), w64 = wave({64, 64, 3, 3}, 0.53, 0.3) * 0.1;
  const Tensor gy = wave({2, 64, 14, 15}, 0.29, 0.7);
  Tensor x = x64.to(kFloat32).requires_grad_(), w = w64.to(kFloat32).requires_grad_();
  const Tensor y = conv2d(x, w, {}, {1, 1}, {1, 1});
  {
    AlgorithmScope scope(ConvAlgorithm::kWinograd);  // the same bits: the automatic choice ran Winograd
    NoGradGuard no_grad;
    EXPECT_TRUE(equal(y, conv2d(x, w, {}, {1, 1}, {1, 1})));
  }
  y.backward(gy.to(kFloat32));
  // The smooth inputs cancel in these sums (largest output 0.11 from 576 products of magnitude up to 0.1), so the
  // float32 error is a larger share of the result than in the test above: 4.5e-6 of the output's largest magnitude.
  expect_close_to_scale(y, conv2d(x64, w64, {}, {1, 1}, {1, 1}), 1e-5);
  expect_close_to_scale(x.grad(), conv2d_input_grad(gy, w64, x64.shape(), {1, 1}, {1, 1}, {1, 1}, 1), 1e-5);
  expect_close_to_scale(w.grad(), conv2d_weight_grad(x64, gy, w64.shape(), {1, 1}, {1, 1}, {1, 1}, 1), 5e-5);
  AlgorithmScope scope(ConvAlgorithm::kWinograd);  // the automatic choice ran Winograd's weight gradient too
  EXPECT_TRUE(equal(w.grad(), conv2d_weight_grad(x.detach(), gy.to(kFloat32), w64.shape(), {1, 1}, {1, 1}, {1, 1}, 1)));
}

// Expects the same NaN and +-Inf elements in got and want, and the finite ones within tol of want's largest finite
// magnitude.
void expect_same_non_finite(const Tensor& got, const Tensor& want, double tol = 1e-5) {
  ASSERT_EQ(got.shape(), want.shape());
  const std::vector<double> a = testing::doubles(got), b = testing::doubles(want);
  double scale = 0;
  for (double v : b) scale = std::isfinite(v) ? std::max(scale, std::abs(v)) : scale;
  int non_finite = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    if (std::isfinite(b[i])) {
      ASSERT_NEAR(a[i], b[i], tol * scale) << "element " << i;
    } else {
      ++non_finite;
      ASSERT_EQ(std::isnan(a[i]), std::isnan(b[i])) << "element " << i << ": " << a[i] << " against " << b[i];
      if (!std::isnan(b[i])) {
        ASSERT_EQ(a[i], b[i]) << "element " << i;
      }
    }
  }
  EXPECT_GT(non_finite, 0);  // the case tests something
}

// A tensor of s with `value` at flat index i (float32).
Tensor with_element(const Shape& s, double freq, int64_t i, double value) {
  Tensor t = wave(s, freq, 0.2).to(kFloat32);
  t.view({-1})[i].fill_(value);
  return t;
}

// Inf and NaN operands give im2col's values: Winograd's transforms would turn an Inf into NaN, spread a NaN over
// whole tiles and overflow on finite inputs near FLT_MAX, so the pass runs im2col instead (Note [Winograd and
// non-finite values]). The forward runs with a bias (added once, inside Winograd's output transform or after im2col)
// and as fused_conv2d with ReLU too. Hand-checked: one Inf input under positive weights gives +Inf outputs exactly
// where its window reaches.
TEST(Winograd, NonFiniteOperandsGiveIm2colsValues) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  for (int64_t r : {3, 5}) {
    const Shape xs{2, 6, 9, 10}, ws{5, 6, r, r};
    const Pair pad{r / 2, r / 2};
    const Tensor x = wave(xs, 0.37, 0.1).to(kFloat32), w = wave(ws, 0.53, 0.3).to(kFloat32);
    const Tensor gy = wave({2, 5, 9, 10}, 0.29, 0.7).to(kFloat32), b = wave({5}, 1.1, 0.5).to(kFloat32);
    // Finite, but the input transform subtracts the pair (columns 2 and 3 are points 1 and 2 of a 3x3 tile, 2 and 3
    // of a 5x5 one) and overflows, where im2col's products stay finite. (Here the overflow ends as NaN; an Inf
    // without NaN, which the check also catches, needs a sum over channels to overflow, as in a breaking helper's
    // random case at stop 21.)
    Tensor huge = x.clone();
    huge[0][2][1][2].fill_(3.3e38);
    huge[0][2][1][3].fill_(-3.3e38);
    struct Operands {
      const char* label;
      Tensor x, w, gy;
    };
    const std::vector<Operands> cases{
        {"Inf input", with_element(xs, 0.37, 3 * 90 + 44, inf), w, gy},
        {"-Inf input in a corner", with_element(xs, 0.37, 7, -inf), w, gy},
        {"NaN input", with_element(xs, 0.37, 600, nan), w, gy},
        {"Inf weight", x, with_element(ws, 0.53, 4, inf), gy},
        {"Inf upstream gradient", x, w, with_element(gy.shape(), 0.29, 123, -inf)},
        {"finite inputs near FLT_MAX", huge, w, gy},
    };
    for (const Operands& c : cases) {
      SCOPED_TRACE(std::string(c.label) + ", kernel " + std::to_string(r));
      FusedConv2dAttrs relu;
      relu.conv.padding = pad;
      relu.relu = true;
      auto passes = [&] {
        return std::vector<Tensor>{conv2d(c.x, c.w, b, {1, 1}, pad), fused_conv2d(c.x, c.w, b, relu),
                                   conv2d_input_grad(c.gy, c.w, xs, {1, 1}, pad, {1, 1}, 1),
                                   conv2d_weight_grad(c.x, c.gy, ws, {1, 1}, pad, {1, 1}, 1)};
      };
      std::vector<Tensor> want, got;
      {
        AlgorithmScope scope(ConvAlgorithm::kIm2col);
        want = passes();
      }
      {
        AlgorithmScope scope(ConvAlgorithm::kWinograd);
        got = passes();
      }
      // Only the passes that read the non-finite operand have non-finite values.
      for (size_t p = 0; p < want.size(); ++p) {
        SCOPED_TRACE("pass " + std::to_string(p));
        const std::vector<double> v = testing::doubles(want[p]);
        if (std::any_of(v.begin(), v.end(), [](double e) { return !std::isfinite(e); })) {
          expect_same_non_finite(got[p], want[p]);
        } else {
          expect_close_to_scale(got[p], want[p].to(kFloat64), 1e-4);
        }
      }
    }
  }
  // Hand-checked: an Inf at (4, 5) of a plane under an all-positive 3x3 kernel, padding 1: +Inf at the 9 outputs
  // (3..5, 4..6), finite elsewhere.
  AlgorithmScope scope(ConvAlgorithm::kWinograd);
  Tensor x = full({1, 64, 9, 10}, 0.5, TensorOptions(kFloat32));
  x[0][3][4][5].fill_(inf);
  const Tensor y = conv2d(x, full({64, 64, 3, 3}, 0.25, TensorOptions(kFloat32)), {}, {1, 1}, {1, 1});
  const std::vector<double> v = testing::doubles(y[0][17]);
  for (int64_t i = 0; i < 9; ++i) {
    for (int64_t j = 0; j < 10; ++j) {
      const double e = v[static_cast<size_t>(i * 10 + j)];
      if (i >= 3 && i <= 5 && j >= 4 && j <= 6) {
        EXPECT_EQ(e, inf) << i << ", " << j;
      } else {
        EXPECT_TRUE(std::isfinite(e)) << i << ", " << j;
      }
    }
  }
}

// conv3d's Winograd taps run conv2d's passes, and so give im2col's values too, in all three passes.
TEST(Winograd, NonFiniteOperandsInConv3dTaps) {
  const double inf = std::numeric_limits<double>::infinity();
  const Shape xs{1, 4, 3, 6, 7}, ws{3, 4, 3, 3, 3};
  const Triple one{1, 1, 1};
  Tensor x = wave(xs, 0.37, 0.1).to(kFloat32), gy = wave({1, 3, 3, 6, 7}, 0.29, 0.7).to(kFloat32);
  x.view({-1})[100].fill_(inf);
  gy.view({-1})[40].fill_(-inf);
  const Tensor w = wave(ws, 0.53, 0.3).to(kFloat32);
  auto passes = [&] {
    return std::vector<Tensor>{conv3d(x, w, {}, one, one), conv3d_input_grad(gy, w, xs, one, one, one, 1),
                               conv3d_weight_grad(x, gy, ws, one, one, one, 1)};
  };
  std::vector<Tensor> want;
  {
    AlgorithmScope scope(ConvAlgorithm::kIm2col);
    want = passes();
  }
  AlgorithmScope scope(ConvAlgorithm::kWinograd);
  const std::vector<Tensor> got = passes();
  for (size_t p = 0; p < got.size(); ++p) {
    SCOPED_TRACE("pass " + std::to_string(p));
    expect_same_non_finite(got[p], want[p]);
  }
}

TEST(Winograd, AppliesTo3x3And5x5Stride1Only) {
  cpu::onednn::ConvShape s;
  s.kh = s.kw = 3;
  EXPECT_TRUE(cpu::winograd_applies(s));
  s.padding = {2, 3};
  EXPECT_FALSE(cpu::winograd_applies(s));  // the input gradient would need negative padding
  s.padding = {1, 1};
  s.stride = {2, 1};
  EXPECT_FALSE(cpu::winograd_applies(s));
  s.stride = {1, 1};
  s.dilation = {2, 2};
  EXPECT_FALSE(cpu::winograd_applies(s));
  s.dilation = {1, 1};
  s.groups = 2;
  EXPECT_FALSE(cpu::winograd_applies(s));
  s.groups = 1;
  s.kw = 5;
  EXPECT_FALSE(cpu::winograd_applies(s));
  s.kh = 5;
  s.padding = {4, 3};
  EXPECT_TRUE(cpu::winograd_applies(s));
  s.padding = {5, 3};
  EXPECT_FALSE(cpu::winograd_applies(s));
  s.padding = {1, 1};
  s.kh = s.kw = 7;
  EXPECT_FALSE(cpu::winograd_applies(s));
}

}  // namespace
}  // namespace tessera
