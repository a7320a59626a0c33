// InstanceNorm1d/2d vs PyTorch 1.13 (output, input and parameter gradients, running statistics over two training
// steps, eval with them; spatial_reference_values.h), functional::instance_norm's errors, and channel dropout
// (Dropout1d).
#include "tessera/nn/instance_norm.h"

#include <gtest/gtest.h>

#include <cmath>

#include "nn_testing.h"
#include "spatial_reference_values.h"
#include "spatial_testing.h"
#include "tessera/nn/dropout.h"
#include "tessera/ops/creation.h"

namespace tessera {
namespace {

using testing::error_of;
using testing::expect_error;
using testing::expect_layer;
using testing::input_wave;
using testing::run_step;

const testing::NnReference& ref(const std::string& name) {
  return testing::find_reference(testing::spatial_reference::instance_norm(), name);
}

TEST(InstanceNorm, MatchesPyTorch) {
  nn::InstanceNorm2d plain(3, {.dtype = kFloat64});
  EXPECT_TRUE(plain.parameters().empty());
  EXPECT_TRUE(plain.buffers().empty());
  expect_layer(plain, input_wave({2, 3, 3, 4}), ref("in2d_default"));
  nn::InstanceNorm2d affine(3, {.affine = true, .dtype = kFloat64});
  expect_layer(affine, input_wave({2, 3, 2, 3}, 2.0, 0.5) + 0.7, ref("in2d_affine"));
  nn::InstanceNorm1d unbatched(3, {.eps = 1e-3, .affine = true, .dtype = kFloat64});
  expect_layer(unbatched, input_wave({3, 6}), ref("in1d_unbatched_affine"));
  // Without running statistics, eval mode still normalizes with the input's.
  nn::InstanceNorm2d eval(2, {.affine = true, .dtype = kFloat64});
  eval.eval();
  expect_layer(eval, input_wave({1, 2, 2, 2}), ref("in2d_eval_without_tracking"));
}

// Two training steps, the running statistics, then eval with them (make_spatial_reference.py's
// tracked_instance_norm).
void expect_tracked(nn::InstanceNorm& m, const Shape& shape, const testing::NnReference& r) {
  testing::fill_parameters(m);
  const size_t params = m.parameters().size();
  m.train();
  std::vector<Tensor> got = run_step(m, input_wave(shape));
  got.push_back(run_step(m, input_wave(shape, 1.5, 1.0) + 0.3)[0]);
  got.push_back(m.running_mean.clone());
  got.push_back(m.running_var.clone());
  m.eval();
  for (const Tensor& t : run_step(m, input_wave(shape))) got.push_back(t);
  EXPECT_EQ(got.size(), 2 * (2 + params) + 3);
  testing::expect_reference(got, r);
  EXPECT_EQ(m.num_batches_tracked.item<int64_t>(), 0);  // InstanceNorm never counts batches (as PyTorch)
}

TEST(InstanceNorm, RunningStatisticsMatchPyTorch) {
  nn::InstanceNorm1d affine(4, {.momentum = 0.3, .affine = true, .track_running_stats = true, .dtype = kFloat64});
  expect_tracked(affine, {3, 4, 5}, ref("in1d_tracked_affine"));
  nn::InstanceNorm2d plain(2, {.eps = 1e-3, .track_running_stats = true, .dtype = kFloat64});
  std::vector<std::string> keys;
  for (const auto& [k, v] : plain.state_dict()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"running_mean", "running_var", "num_batches_tracked"}));
  expect_tracked(plain, {2, 2, 3, 3}, ref("in2d_tracked"));
}

TEST(InstanceNorm, TracedMatchesEager) {
  nn::InstanceNorm2d m(3, {.affine = true, .dtype = kFloat64});
  testing::fill_parameters(m);
  testing::expect_traced_matches_eager(m, {3, 4, 5});
}

TEST(InstanceNorm, PrintoutAndErrors) {
  EXPECT_EQ(nn::InstanceNorm2d(3).repr(),
            "InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)");
  nn::InstanceNorm2d m(3);
  EXPECT_EQ(error_of([&] {
              m(zeros({2, 4, 5, 5}));
            }),
            "InstanceNorm2d(3): expected input [N, 3, H, W] or [3, H, W], got [2, 4, 5, 5]");
  EXPECT_THROW(m(zeros({2, 4, 5, 5})), ShapeError);
  expect_error<ShapeError>(
      [] {
        nn::InstanceNorm1d(2)(zeros({2, 2, 3, 3}));
      },
      "InstanceNorm1d(2): expected input [N, 2, L] or [2, L], got [2, 2, 3, 3]");
  expect_error<ValueError>([] { nn::InstanceNorm1d(0); }, "num_features must be >= 1");
  // A plane of one element has no variance to normalize with (PyTorch's error too).
  expect_error<ValueError>(
      [] {
        nn::InstanceNorm1d(2)(zeros({3, 2, 1}));
      },
      "instance_norm: expected more than 1 spatial element when training, got input [3, 2, 1]");
  namespace F = nn::functional;
  expect_error<ShapeError>([] { F::instance_norm(zeros({2, 3})); }, "instance_norm: expected input [N, C, *]");
  expect_error<ShapeError>(
      [] {
        F::instance_norm(zeros({2, 3, 4}), {}, {}, ones({2}));
      },
      "instance_norm: expected [3] statistics/affine parameters for input [2, 3, 4], got [2]");
  expect_error<ValueError>([] { F::instance_norm(zeros({2, 3, 4}), {}, {}, {}, {}, false); }, "running_mean");
}

TEST(Dropout1d, ZeroesWholeChannels) {
  constexpr double kP = 0.4;
  nn::Dropout1d m(kP);
  Generator gen(5);
  m.generator = &gen;
  const Tensor x = ones({100, 50, 4}, kFloat64).requires_grad_();
  const Tensor y = m(x);
  y.sum().backward();
  const std::vector<double> v = testing::doubles(y), g = testing::doubles(x.grad());
  int64_t dropped = 0;
  for (size_t c = 0; c < 5000; ++c) {
    const double first = v[c * 4];
    ASSERT_TRUE(first == 0.0 || std::abs(first - 1.0 / (1.0 - kP)) < 1e-12) << first;
    for (size_t k = 0; k < 4; ++k) {
      ASSERT_EQ(v[c * 4 + k], first) << "channel " << c;
      ASSERT_EQ(g[c * 4 + k], first) << "channel " << c;
    }
    dropped += first == 0.0;
  }
  EXPECT_NEAR(double(dropped) / 5000, kP, 0.03);
  // [C, L]: the channels are dim 0.
  const std::vector<double> u = testing::doubles(m(ones({40, 3}, kFloat64)));
  for (size_t c = 0; c < 40; ++c) {
    for (size_t k = 1; k < 3; ++k) ASSERT_EQ(u[c * 3 + k], u[c * 3]);
  }
  m.eval();
  EXPECT_EQ(testing::doubles(m(x)), testing::doubles(x));
  EXPECT_EQ(m.repr(), "Dropout1d(p=0.4)");
  m.train();
  expect_error<ShapeError>(
      [&] {
        m(ones({2, 3, 4, 5}));
      },
      "dropout1d: expected input [N, C, L] or [C, L], got [2, 3, 4, 5]");
  expect_error<ValueError>([] { nn::Dropout1d(1.5); }, "Dropout1d: probability has to be between 0 and 1, but got 1.5");
  expect_error<ValueError>([] { nn::functional::dropout1d(ones({2, 3}), -0.5); }, "dropout1d");
}

}  // namespace
}  // namespace tessera
