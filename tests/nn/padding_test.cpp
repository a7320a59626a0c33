// padding_mode of Conv1d/Conv2d, the padding layers and functional pad vs PyTorch 1.13 (output, input gradient,
// parameter gradients; spatial_reference_values.h), their printouts, tracing and error messages.
#include "tessera/nn/padding.h"

#include <gtest/gtest.h>

#include "nn_testing.h"
#include "spatial_reference_values.h"
#include "spatial_testing.h"
#include "tessera/nn/conv.h"
#include "tessera/ops/creation.h"

namespace tessera {
namespace {

using testing::error_of;
using testing::expect_error;
using testing::expect_layer;
using testing::input_wave;

const testing::NnReference& ref(const std::string& name) {
  return testing::find_reference(testing::spatial_reference::padding(), name);
}

TEST(ConvPaddingMode, Conv2dMatchesPyTorch) {
  nn::Conv2d reflect(2, 3, 3, {.padding = {1, 1}, .padding_mode = "reflect", .dtype = kFloat64});
  expect_layer(reflect, input_wave({1, 2, 4, 5}), ref("conv2d_reflect"));
  nn::Conv2d replicate(2, 2, {3, 2},
                       {.stride = {2, 2}, .padding = {2, 1}, .padding_mode = "replicate", .dtype = kFloat64});
  expect_layer(replicate, input_wave({2, 2, 5, 5}), ref("conv2d_replicate_stride2"));
  nn::Conv2d circular(
      4, 2, 3, {.padding = {2, 2}, .dilation = {2, 2}, .groups = 2, .padding_mode = "circular", .dtype = kFloat64});
  expect_layer(circular, input_wave({1, 4, 4, 5}), ref("conv2d_circular_dilation_groups"));
  // "same" with an even kernel: the odd padding goes at the end, reflected.
  nn::Conv2d same(2, 2, {2, 4}, {.padding_preset = "same", .padding_mode = "reflect", .dtype = kFloat64});
  expect_layer(same, input_wave({1, 2, 4, 5}), ref("conv2d_reflect_same_even"));
}

TEST(ConvPaddingMode, Conv1dMatchesPyTorch) {
  nn::Conv1d circular(2, 3, 3, {.padding = 2, .padding_mode = "circular", .dtype = kFloat64});
  expect_layer(circular, input_wave({2, 2, 5}), ref("conv1d_circular"));
  nn::Conv1d replicate(2, 2, 4, {.stride = 2, .padding = 1, .padding_mode = "replicate", .dtype = kFloat64});
  expect_layer(replicate, input_wave({1, 2, 7}), ref("conv1d_replicate_stride2"));
  nn::Conv1d same(2, 3, 4, {.padding_preset = "same", .dtype = kFloat64});
  expect_layer(same, input_wave({2, 2, 6}), ref("conv1d_same_even"));
  nn::Conv1d same_reflect(1, 2, 3,
                          {.padding_preset = "same", .dilation = 2, .padding_mode = "reflect", .dtype = kFloat64});
  expect_layer(same_reflect, input_wave({1, 1, 6}), ref("conv1d_same_reflect_dilation"));
  nn::Conv1d valid(2, 3, 3, {.padding = 5, .padding_preset = "valid"});
  EXPECT_EQ(valid(zeros({1, 2, 6})).shape(), (Shape{1, 3, 4}));
}

TEST(ConvPaddingMode, PrintoutAndErrors) {
  EXPECT_EQ(nn::Conv2d(2, 3, 3, {.padding = {1, 1}, .padding_mode = "reflect"}).repr(),
            "Conv2d(2, 3, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), padding_mode=reflect)");
  EXPECT_EQ(nn::Conv1d(2, 3, 3, {.padding_preset = "same", .padding_mode = "circular"}).repr(),
            "Conv1d(2, 3, kernel_size=(3,), stride=(1,), padding=same, padding_mode=circular)");
  expect_error<ValueError>([] { nn::Conv1d(2, 3, 3, {.padding_mode = "mirror"}); },
                           "Conv1d: padding_mode must be 'zeros', 'reflect', 'replicate' or 'circular', got 'mirror'");
  expect_error<ValueError>([] { nn::Conv1d(2, 3, 3, {.padding_preset = "full"}); }, "Conv1d");
  nn::Conv2d strided(2, 2, 3, {.stride = {2, 1}, .padding_preset = "same", .padding_mode = "replicate"});
  expect_error<ValueError>(
      [&] {
        strided(zeros({1, 2, 5, 5}));
      },
      "Conv2d: padding=\"same\" needs stride 1, got (2, 1)");
  nn::Conv1d strided1d(2, 2, 3, {.stride = 2, .padding_preset = "same"});
  expect_error<ValueError>([&] { strided1d(zeros({1, 2, 5})); }, "Conv1d: padding=\"same\" needs stride 1");
  // A reflect padding as large as the input is PyTorch's error too.
  nn::Conv2d wide(2, 2, 3, {.padding = {3, 3}, .padding_mode = "reflect"});
  expect_error<ShapeError>([&] { wide(zeros({1, 2, 3, 5})); }, "must be smaller than its size 3");
  expect_error<ShapeError>([&] { wide(zeros({1, 3, 5, 5})); }, "Conv2d(2, 2): expected input [N, 2, H, W]");
}

TEST(ConvPaddingMode, TracedMatchesEager) {
  nn::Conv2d m(2, 3, 3, {.padding = {1, 2}, .padding_mode = "circular", .dtype = kFloat64});
  testing::fill_parameters(m);
  testing::expect_traced_matches_eager(m, {2, 4, 5});
}

TEST(PaddingLayers, MatchPyTorch) {
  nn::ZeroPad2d zero({1, 2, 0, 3});
  expect_layer(zero, input_wave({1, 2, 2, 3}), ref("zero_pad2d"));
  nn::ConstantPad1d c1({2, 1}, 0.5);
  expect_layer(c1, input_wave({2, 3, 4}), ref("constant_pad1d"));
  nn::ConstantPad2d c2(1, -1.5);
  expect_layer(c2, input_wave({2, 2, 3}), ref("constant_pad2d_unbatched"));
  nn::ConstantPad3d c3({1, 0, 0, 2, 1, 1}, 0.25);
  expect_layer(c3, input_wave({1, 1, 2, 2, 3}), ref("constant_pad3d"));
  nn::ReflectionPad1d r1(2);
  expect_layer(r1, input_wave({2, 3, 5}), ref("reflection_pad1d"));
  nn::ReflectionPad2d r2({1, 2, 3, 0});
  expect_layer(r2, input_wave({1, 2, 4, 5}), ref("reflection_pad2d"));
  nn::ReflectionPad3d r3(1);
  expect_layer(r3, input_wave({1, 1, 2, 3, 3}), ref("reflection_pad3d"));
  nn::ReplicationPad1d p1({3, 1});
  expect_layer(p1, input_wave({1, 2, 4}), ref("replication_pad1d"));
  nn::ReplicationPad2d p2(2);
  expect_layer(p2, input_wave({2, 3, 3}), ref("replication_pad2d_unbatched"));
  nn::ReplicationPad3d p3({1, 0, 2, 1, 0, 2});
  expect_layer(p3, input_wave({1, 2, 2, 2, 3}), ref("replication_pad3d"));
}

TEST(PaddingLayers, FunctionalPadMatchesPyTorch) {
  namespace F = nn::functional;
  struct Case {
    const char* name;
    Shape x;
    std::function<Tensor(const Tensor&)> fn;
  };
  const std::vector<Case> cases{{"pad_constant_negative",
                                 {2, 3, 4},
                                 [](const Tensor& x) {
                                   return F::pad(x, {-1, 2, 1, -1}, "constant", 0.25);
                                 }},
                                {"pad_constant_3_dims",
                                 {2, 3, 2},
                                 [](const Tensor& x) {
                                   return F::pad(x, {1, 1, 0, 1, 2, 0});
                                 }},
                                {"pad_reflect_crop",
                                 {1, 2, 4, 6},
                                 [](const Tensor& x) {
                                   return F::pad(x, {-1, 3, 2, -1}, "reflect");
                                 }},
                                {"pad_replicate_crop",
                                 {2, 2, 5},
                                 [](const Tensor& x) {
                                   return F::pad(x, {2, -2}, "replicate");
                                 }},
                                {"pad_circular_crop",
                                 {1, 2, 5, 3},
                                 [](const Tensor& x) {
                                   return F::pad(x, {2, -1, 1, 3}, "circular");
                                 }},
                                {"pad_circular_full_wrap", {1, 2, 3}, [](const Tensor& x) {
                                   return F::pad(x, {3, 3}, "circular");
                                 }}};
  for (const Case& c : cases) {
    testing::Lambda m(c.fn);
    expect_layer(m, input_wave(c.x), ref(c.name));
  }
}

TEST(PaddingLayers, PrintoutAndErrors) {
  EXPECT_EQ(nn::ReflectionPad2d(2).repr(), "ReflectionPad2d((2, 2, 2, 2))");
  EXPECT_EQ(nn::ReplicationPad1d({1, 3}).repr(), "ReplicationPad1d((1, 3))");
  EXPECT_EQ(nn::ZeroPad2d({1, 2, 3, 4}).repr(), "ZeroPad2d((1, 2, 3, 4))");
  EXPECT_EQ(nn::ConstantPad1d({1, 2}, 0.5).repr(), "ConstantPad1d(padding=(1, 2), value=0.5)");
  nn::ReflectionPad2d r({1, 1, 2, 0});
  EXPECT_EQ(error_of([&] {
              r(zeros({4, 5}));
            }),
            "ReflectionPad2d((1, 1, 2, 0)): expected input [N, C, H, W] or [C, H, W], got [4, 5]");
  EXPECT_THROW(r(zeros({4, 5})), ShapeError);
  expect_error<ShapeError>(
      [] {
        nn::ReplicationPad1d(1)(zeros({1, 2, 3, 4}));
      },
      "ReplicationPad1d((1, 1)): expected input [N, C, L] or [C, L], got [1, 2, 3, 4]");
  expect_error<ShapeError>(
      [] {
        nn::ConstantPad3d(1, 0.0)(zeros({2, 3}));
      },
      "ConstantPad3d((1, 1, 1, 1, 1, 1)): expected input [N, C, D, H, W] or [C, D, H, W]");
  expect_error<ShapeError>(
      [] {
        nn::ReflectionPad1d(3)(zeros({1, 2, 3}));
      },
      "pad: reflect padding (3, 3) of dim 2 must be smaller than its size 3");
}

}  // namespace
}  // namespace tessera
