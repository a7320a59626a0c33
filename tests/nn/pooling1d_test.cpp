// 1-d pooling (MaxPool1d, AvgPool1d) and adaptive pooling (AdaptiveAvgPool1d/2d with sizes that do not divide the
// input, AdaptiveMaxPool1d/2d with indices) vs PyTorch 1.13 (spatial_reference_values.h), printouts, tracing and
// error messages.
#include "tessera/nn/pooling1d.h"

#include <gtest/gtest.h>

#include "nn_testing.h"
#include "spatial_reference_values.h"
#include "spatial_testing.h"
#include "tessera/nn/adaptive_pooling.h"
#include "tessera/nn/pooling.h"
#include "tessera/ops/creation.h"

namespace tessera {
namespace {

using testing::error_of;
using testing::expect_error;
using testing::expect_layer;
using testing::input_wave;

const testing::NnReference& ref(const std::string& name) {
  return testing::find_reference(testing::spatial_reference::pooling(), name);
}

// The recorded indices (stored as float64) of case `name`.
std::vector<int64_t> ref_indices(const std::string& name) {
  std::vector<int64_t> out;
  for (double v : ref(name).values[0]) out.push_back(static_cast<int64_t>(v));
  return out;
}

TEST(MaxPool1d, MatchesPyTorch) {
  nn::MaxPool1d m(3, {.stride = 2, .padding = 1, .ceil_mode = true});
  expect_layer(m, input_wave({2, 2, 8}), ref("maxpool1d_pad_ceil"));
  EXPECT_EQ(testing::ivalues(m.forward_with_indices(input_wave({2, 2, 8})).second),
            ref_indices("maxpool1d_pad_ceil_indices"));
  nn::MaxPool1d dilated(2, {.stride = 1, .dilation = 2});
  expect_layer(dilated, input_wave({1, 3, 6}), ref("maxpool1d_dilation"));
  EXPECT_EQ(nn::MaxPool1d(3).repr(), "MaxPool1d(kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=False)");
}

TEST(AvgPool1d, MatchesPyTorch) {
  nn::AvgPool1d exclude(3, {.stride = 2, .padding = 1, .count_include_pad = false});
  expect_layer(exclude, input_wave({2, 2, 7}), ref("avgpool1d_pad_exclude"));
  nn::AvgPool1d ceil(2, {.stride = 2, .padding = 1, .ceil_mode = true});
  expect_layer(ceil, input_wave({1, 2, 6}), ref("avgpool1d_ceil_include"));
  nn::AvgPool1d unbatched(3, {.stride = 1, .padding = 1});
  expect_layer(unbatched, input_wave({2, 5}), ref("avgpool1d_unbatched"));
  EXPECT_EQ(nn::AvgPool1d(3).repr(), "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))");
}

TEST(AdaptiveAvgPool, AnyOutputSizeMatchesPyTorch) {
  nn::AdaptiveAvgPool1d shrink(3);
  expect_layer(shrink, input_wave({2, 2, 5}), ref("adaptive_avgpool1d_5_to_3"));
  nn::AdaptiveAvgPool1d grow(7);
  expect_layer(grow, input_wave({1, 2, 4}), ref("adaptive_avgpool1d_grow"));
  nn::AdaptiveAvgPool2d nondivisible({3, 4});
  expect_layer(nondivisible, input_wave({2, 2, 5, 7}), ref("adaptive_avgpool2d_nondivisible"));
  nn::AdaptiveAvgPool2d mixed({5, 2});
  expect_layer(mixed, input_wave({1, 3, 3, 6}), ref("adaptive_avgpool2d_grow_mixed"));
  nn::AdaptiveAvgPool2d unbatched({2, 3});
  expect_layer(unbatched, input_wave({2, 3, 5}), ref("adaptive_avgpool2d_unbatched"));
  EXPECT_EQ(shrink.repr(), "AdaptiveAvgPool1d(output_size=3)");
}

TEST(AdaptiveMaxPool, MatchesPyTorchWithIndices) {
  nn::AdaptiveMaxPool2d m({3, 4});
  expect_layer(m, input_wave({2, 2, 5, 7}), ref("adaptive_maxpool2d"));
  EXPECT_EQ(testing::ivalues(m.forward_with_indices(input_wave({2, 2, 5, 7})).second),
            ref_indices("adaptive_maxpool2d_indices"));
  nn::AdaptiveMaxPool2d grow({4, 3});
  expect_layer(grow, input_wave({1, 2, 3, 5}), ref("adaptive_maxpool2d_grow"));
  nn::AdaptiveMaxPool1d m1(3);
  expect_layer(m1, input_wave({2, 2, 7}), ref("adaptive_maxpool1d"));
  EXPECT_EQ(testing::ivalues(m1.forward_with_indices(input_wave({2, 2, 7})).second),
            ref_indices("adaptive_maxpool1d_indices"));
  EXPECT_EQ(m.repr(), "AdaptiveMaxPool2d(output_size=(3, 4))");
  // Unbatched input; a NaN wins its window.
  const Tensor x = tensor({{{1.0, 5.0, 2.0}, {3.0, std::nan(""), 0.0}}}, kFloat64);  // [1, 2, 3]
  auto [y, idx] = nn::functional::adaptive_max_pool2d_with_indices(x, {1, 2});
  EXPECT_EQ(y.shape(), (Shape{1, 1, 2}));
  EXPECT_TRUE(std::isnan(testing::doubles(y)[0]));
  EXPECT_EQ(testing::ivalues(idx), (std::vector<int64_t>{4, 4}));
}

TEST(Pooling1d, TracedMatchesEager) {
  nn::AdaptiveAvgPool2d avg({3, 4});
  testing::expect_traced_matches_eager(avg, {2, 5, 7});
  nn::AdaptiveMaxPool2d max({3, 2});
  testing::expect_traced_matches_eager(max, {2, 5, 7});
  nn::AvgPool1d avg1d(3, {.stride = 2, .padding = 1, .count_include_pad = false});
  testing::expect_traced_matches_eager(avg1d, {2, 7});
}

TEST(Pooling1d, Errors) {
  nn::MaxPool1d m(3);
  EXPECT_EQ(error_of([&] { m(zeros({5})); }), "MaxPool1d(3): expected input [N, C, L] or [C, L], got [5]");
  expect_error<ShapeError>([] { nn::AvgPool1d(2)(zeros({1, 2, 3, 4})); }, "AvgPool1d(2): expected input [N, C, L]");
  expect_error<ShapeError>([] { nn::AdaptiveAvgPool1d(2)(zeros({4})); }, "AdaptiveAvgPool1d(2): expected input");
  expect_error<ShapeError>([] { nn::AdaptiveMaxPool1d(2)(zeros({4})); }, "AdaptiveMaxPool1d(2): expected input");
  expect_error<ShapeError>(
      [] {
        nn::AdaptiveMaxPool2d({2, 3})(zeros({4, 4}));
      },
      "AdaptiveMaxPool2d((2, 3)): expected input [N, C, H, W] or [C, H, W], got [4, 4]");
  expect_error<ShapeError>([] { max_pool1d(zeros({1, 2, 3, 4}), 2); }, "max_pool1d: expected input [N, C, L]");
  expect_error<ShapeError>([] { avg_pool1d(zeros({4}), 2); }, "avg_pool1d: expected input [N, C, L]");
  expect_error<ShapeError>(
      [] {
        adaptive_max_pool2d(zeros({1, 2, 0, 3}), {2, 2});
      },
      "adaptive_max_pool2d: expected non-empty H and W, got input [1, 2, 0, 3]");
  expect_error<ShapeError>([] { adaptive_max_pool2d(zeros({2, 2}), {2, 2}); }, "adaptive_max_pool2d: expected input");
  expect_error<ValueError>(
      [] {
        adaptive_max_pool2d(zeros({1, 2, 3, 3}), {0, 2});
      },
      "adaptive_max_pool2d: output size must be >= 1, got [0, 2]");
  expect_error<DTypeError>([] { adaptive_max_pool2d(zeros({1, 2, 3, 3}, kInt64), {2, 2}); }, "adaptive_max_pool2d");
  expect_error<ValueError>([] { adaptive_avg_pool1d(zeros({1, 2, 3}), 0); }, "adaptive_avg_pool2d");
  expect_error<DTypeError>([] { adaptive_avg_pool2d(zeros({1, 2, 5, 5}, kInt64), {2, 3}); }, "adaptive_avg_pool2d");
  // A zero batch is fine.
  EXPECT_EQ(adaptive_max_pool2d(zeros({0, 2, 3, 3}), {2, 2}).shape(), (Shape{0, 2, 2, 2}));
}

}  // namespace
}  // namespace tessera
