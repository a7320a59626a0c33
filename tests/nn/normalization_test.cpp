// BatchNorm1d/2d (training with batch statistics and running-statistic updates, cumulative momentum, eval with
// the running statistics), LayerNorm and GroupNorm vs PyTorch 1.13 for the same float64 parameters and inputs
// (reference_values.h, written by tests/nn/make_reference.py), plus their options and error messages.
#include "tessera/nn/normalization.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "nn_testing.h"
#include "reference_values.h"
#include "tessera/nn/functional.h"

namespace tessera {
namespace {

using testing::expect_error;
using testing::expect_layer;
using testing::expect_reference;
using testing::input_wave;
using testing::NnReference;
using testing::run_step;

std::vector<std::string> keys_of(const StateDict& state) {
  std::vector<std::string> out;
  for (const auto& [k, t] : state) out.push_back(k);
  return out;
}

const NnReference& ref(const std::string& name) {
  return testing::find_reference(testing::nn_reference::normalization(), name);
}

// make_reference.py's batch_norm(): two training steps on x(phase 0) and 1.5 x(phase 1) + 0.3, then eval on
// x(phase 0). The reference holds [y1, dx1, dw1, db1, y2, running_mean, running_var, y_eval, dx, dw, db] (no dw,
// db without affine parameters).
void expect_batch_norm(nn::BatchNorm& m, const Shape& shape, const NnReference& r) {
  const size_t step = 2 + m.parameters().size();  // tensors recorded per step
  ASSERT_EQ(r.values.size(), 2 * step + 3) << r.name;
  testing::fill_parameters(m);
  m.train();
  expect_reference(run_step(m, input_wave(shape)), r);
  expect_reference({run_step(m, input_wave(shape, 1.5, 1.0) + 0.3)[0]}, r, step);
  expect_reference({m.running_mean, m.running_var}, r, step + 1);
  EXPECT_EQ(m.num_batches_tracked.dtype(), kInt64);
  EXPECT_EQ(m.num_batches_tracked.item<int64_t>(), 2);
  m.eval();
  expect_reference(run_step(m, input_wave(shape)), r, step + 3);
  // Eval does not touch the running statistics.
  expect_reference({m.running_mean, m.running_var}, r, step + 1);
  EXPECT_EQ(m.num_batches_tracked.item<int64_t>(), 2);
}

TEST(BatchNorm, BatchNorm2dMatchesPyTorch) {
  nn::BatchNorm2d m(3, {.dtype = kFloat64});
  expect_batch_norm(m, {2, 3, 2, 3}, ref("batch_norm2d"));
}

TEST(BatchNorm, CumulativeAverageWithoutMomentum) {
  nn::BatchNorm2d m(3, {.momentum = std::nullopt, .dtype = kFloat64});
  expect_batch_norm(m, {2, 3, 2, 3}, ref("batch_norm2d_cumulative"));
}

TEST(BatchNorm, BatchNorm1dMatchesPyTorch) {
  nn::BatchNorm1d flat(4, {.momentum = 0.3, .dtype = kFloat64});
  expect_batch_norm(flat, {5, 4}, ref("batch_norm1d_2d"));
  nn::BatchNorm1d seq(3, {.dtype = kFloat64});
  expect_batch_norm(seq, {2, 3, 4}, ref("batch_norm1d_3d"));
}

TEST(BatchNorm, Float32) {
  nn::BatchNorm2d m(3);
  EXPECT_EQ(m.weight.dtype(), kFloat32);
  EXPECT_EQ(m.running_mean.dtype(), kFloat32);
  testing::fill_parameters(m);
  const Tensor y = m(input_wave({2, 3, 2, 3}).to(kFloat32));
  EXPECT_EQ(y.dtype(), kFloat32);
  testing::expect_near(y, ref("batch_norm2d").values[0], 1e-5, 1e-5);
}

TEST(BatchNorm, WithoutAffineParameters) {
  nn::BatchNorm1d m(3, {.affine = false, .dtype = kFloat64});
  EXPECT_TRUE(m.parameters().empty());
  EXPECT_FALSE(m.weight.defined());
  expect_batch_norm(m, {4, 3}, ref("batch_norm1d_no_affine"));
}

TEST(BatchNorm, WithoutRunningStats) {
  nn::BatchNorm2d m(3, {.track_running_stats = false, .dtype = kFloat64});
  EXPECT_TRUE(m.buffers().empty());
  EXPECT_EQ(keys_of(m.state_dict()), (std::vector<std::string>{"weight", "bias"}));
  // Eval normalizes with the batch statistics too.
  m.eval();
  expect_layer(m, input_wave({2, 3, 2, 3}), ref("batch_norm2d_no_running_stats_eval"));
  nn::BatchNorm2d plain(3, {.affine = false, .track_running_stats = false, .dtype = kFloat64});
  EXPECT_TRUE(plain.parameters().empty());
  EXPECT_EQ(plain.state_dict().size(), 0u);
  // y = (x - mean) / sqrt(var + eps) with the biased batch variance (1.25 for 1, 2, 3, 4).
  const Tensor x = tensor({1.0, 2.0, 3.0, 4.0}, kFloat64).reshape({4, 1, 1, 1}).expand({4, 3, 1, 1});
  const double s = 1.0 / std::sqrt(1.25 + 1e-5);
  testing::expect_near(plain(x).select(1, 2).reshape({4}), {-1.5 * s, -0.5 * s, 0.5 * s, 1.5 * s}, 1e-12, 1e-12);
}

TEST(BatchNorm, FunctionalWithOptionalArguments) {
  // Eval with running statistics and no affine parameters: (x - running_mean) / sqrt(running_var + eps).
  const Tensor x = tensor({{1.0, 2.0}, {3.0, 6.0}}, kFloat64);
  const Tensor rm = tensor({1.0, 2.0}, kFloat64), rv = tensor({4.0, 16.0}, kFloat64);
  testing::expect_near(nn::functional::batch_norm(x, rm, rv, {}, {}, false, 0.1, 0.0), {0.0, 0.0, 1.0, 1.0}, 1e-12,
                       1e-12);
  // Training without running statistics: batch mean [2, 4], biased variance [1, 4].
  testing::expect_near(nn::functional::batch_norm(x, {}, {}, {}, {}, true, 0.1, 0.0), {-1.0, -1.0, 1.0, 1.0}, 1e-12,
                       1e-12);
}

TEST(BatchNorm, ResetRunningStats) {
  nn::BatchNorm1d m(2, {.dtype = kFloat64});
  m(input_wave({4, 2}));
  EXPECT_EQ(m.num_batches_tracked.item<int64_t>(), 1);
  m.reset_running_stats();
  testing::expect_near(m.running_mean, {0.0, 0.0});
  testing::expect_near(m.running_var, {1.0, 1.0});
  EXPECT_EQ(m.num_batches_tracked.item<int64_t>(), 0);
}

TEST(BatchNorm, Errors) {
  nn::BatchNorm2d bn2(3);
  EXPECT_EQ(testing::error_of([&] {
              bn2(zeros({2, 4, 5, 5}));
            }),
            "BatchNorm2d(3): expected input [N, 3, H, W], got [2, 4, 5, 5]");
  EXPECT_THROW(bn2(zeros({2, 4, 5, 5})), ShapeError);
  expect_error<ShapeError>(
      [&] {
        bn2(zeros({2, 3, 5}));
      },
      "BatchNorm2d(3): expected input [N, 3, H, W], got [2, 3, 5]");
  nn::BatchNorm1d bn1(3);
  expect_error<ShapeError>(
      [&] {
        bn1(zeros({2, 4}));
      },
      "BatchNorm1d(3): expected input [N, 3] or [N, 3, L], got [2, 4]");
  // One value per channel cannot give a batch variance.
  expect_error<ValueError>([&] { bn1(ones({1, 3})); }, "expected more than 1 value per channel");
  expect_error<ValueError>([] { nn::BatchNorm2d(0); }, "num_features");
  expect_error<ShapeError>([] { nn::functional::batch_norm(zeros({2, 3}), zeros({4}), ones({4})); }, "batch_norm");
}

TEST(LayerNorm, MatchesPyTorch) {
  nn::LayerNorm m({3, 4}, 1e-5, true, kFloat64);
  EXPECT_EQ(m.weight.shape(), (Shape{3, 4}));
  testing::expect_near(m.weight, std::vector<double>(12, 1.0));
  testing::expect_near(m.bias, std::vector<double>(12, 0.0));
  expect_layer(m, input_wave({2, 3, 4}, 2.0, 0.5) + 0.7, ref("layer_norm"));
  nn::LayerNorm plain({4}, 1e-3, false, kFloat64);
  EXPECT_TRUE(plain.parameters().empty());
  expect_layer(plain, input_wave({3, 4}), ref("layer_norm_no_affine"));
}

TEST(LayerNorm, Errors) {
  nn::LayerNorm m({3, 4});
  expect_error<ShapeError>(
      [&] {
        m(zeros({2, 4, 3}));
      },
      "layer_norm: input [2, 4, 3] does not end in normalized_shape [3, 4]");
  expect_error<ShapeError>([&] { m(zeros({4})); }, "layer_norm");
  // Parameters of another shape than normalized_shape (PyTorch rejects them too).
  expect_error<ShapeError>(
      [] {
        nn::functional::layer_norm(zeros({2, 3, 4}), {4}, ones({3, 4}));
      },
      "layer_norm: expected weight of normalized_shape [4], got [3, 4]");
  expect_error<ShapeError>(
      [] {
        nn::functional::layer_norm(zeros({2, 3, 4}), {3, 4}, ones({3, 4}), zeros({4}));
      },
      "layer_norm: expected bias of normalized_shape [3, 4], got [4]");
}

TEST(GroupNorm, MatchesPyTorch) {
  nn::GroupNorm m(2, 4, 1e-5, true, kFloat64);
  expect_layer(m, input_wave({2, 4, 3}), ref("group_norm"));
  nn::GroupNorm four_d(3, 6, 1e-5, true, kFloat64);
  expect_layer(four_d, input_wave({2, 6, 2, 2}, 1.0, 0.2) + 0.4, ref("group_norm_4d"));
}

TEST(GroupNorm, Errors) {
  expect_error<ValueError>([] { nn::GroupNorm(3, 4); }, "GroupNorm: num_channels=4 must be divisible by num_groups=3");
  nn::GroupNorm m(2, 4);
  expect_error<ShapeError>([&] { m(zeros({2, 6, 3})); }, "GroupNorm(2, 4): expected input [N, 4, *], got [2, 6, 3]");
  expect_error<ValueError>([] { nn::functional::group_norm(zeros({2, 6, 3}), 4); }, "group_norm");
}

}  // namespace
}  // namespace tessera
