// batch_norm_training and layer_norm (Notes [The fused batch norm] and [The fused layer norm]). batch_norm_training:
// output, statistics and gradients equal the same formulas written with tensor ops, on shapes that take every path of
// the kernel's channel blocking (batch 1, [N, C] inputs, several channels per block with a partial last block, one
// channel per block, more rows than one flush, a non-contiguous input); float32 stays exact on data far from zero; the
// fused backward (plain eager) equals the tensor-op backward (create_graph) and graph mode's symbolic gradients; errors
// name the op. layer_norm: the same comparisons on rows that take every path of its kernel. PyTorch's reference values
// for BatchNorm1d/2d (training and eval) and LayerNorm are in tests/nn/normalization_test.cpp.
#include "tessera/ops/normalization.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "graph/graph_testing.h"
#include "tessera/autograd/engine.h"
#include "tessera/graph/gradients.h"
#include "tessera/graph/trace.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/unary.h"
#include "testing.h"

namespace tessera {
namespace {

using testing::expect_error;
using testing::expect_same;
using testing::wave;

std::vector<int64_t> reduced_dims(int64_t nd) {
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < nd; ++d) dims.push_back(d);
  return dims;
}

Tensor per_channel(const Tensor& t, int64_t nd) {
  Shape s(nd, 1);
  s[1] = t.size(0);
  return t.view(s);
}

// The formulas with tensor ops: mean and biased variance over (N, *), then normalize, scale and shift.
BatchNormTraining reference(const Tensor& x, const Tensor& w, const Tensor& b, double eps) {
  const int64_t nd = x.dim();
  const Tensor mean = x.mean(reduced_dims(nd));
  const Tensor centered = x - per_channel(mean, nd);
  const Tensor var = square(centered).mean(reduced_dims(nd));
  return {centered * per_channel(rsqrt(var + eps) * w, nd) + per_channel(b, nd), mean, var};
}

struct Inputs {
  Tensor x, w, b, dy;
};

Inputs inputs(const Shape& shape, DType dt = kFloat64) {
  const int64_t c = shape[1];
  return {wave(shape, 0.1, 2.0, dt).requires_grad_(), (wave({c}, 0.7, 0.5, dt) + 1.0).detach().requires_grad_(),
          wave({c}, 0.3, 1.0, dt).requires_grad_(), wave(shape, 1.3, 1.0, dt)};
}

// (y, mean, var, dx, dw, db) of one function of the inputs; gradients of sum(y dy).
std::vector<Tensor> run(const Inputs& in, const std::function<BatchNormTraining(const Inputs&)>& f,
                        bool create_graph = false) {
  const BatchNormTraining r = f(in);
  std::vector<Tensor> out{r.y, r.mean, r.var};
  for (const Tensor& g : grad({(r.y * in.dy).sum()}, {in.x, in.w, in.b}, {}, {}, create_graph)) out.push_back(g);
  return out;
}

void expect_all_same(const std::vector<Tensor>& a, const std::vector<Tensor>& b, double rtol) {
  const char* names[] = {"y", "mean", "var", "dx", "dweight", "dbias"};
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(names[i]);
    expect_same(a[i], b[i], rtol);
  }
}

TEST(BatchNormTraining, EqualsTheTensorOpFormulasOnEveryBlockingPath) {
  const std::vector<Shape> shapes{
      {1, 3, 5, 7},    // batch 1
      {7, 5},          // [N, C]: one block of all channels, S = 1
      {600, 3},        // more rows than one flush (256)
      {2, 300, 3},     // 86 channels per block, a partial last block
      {3, 4, 20, 20},  // S = 400: one channel per block
  };
  for (const Shape& s : shapes) {
    SCOPED_TRACE(shape_str(s));
    const Inputs in = inputs(s);
    const auto fused = [](const Inputs& i) { return batch_norm_training(i.x, i.w, i.b, 1e-3); };
    const auto formulas = [](const Inputs& i) { return reference(i.x, i.w, i.b, 1e-3); };
    expect_all_same(run(in, fused), run(in, formulas), 1e-9);
  }
}

TEST(BatchNormTraining, NonContiguousInput) {
  Inputs in = inputs({4, 3, 5});
  const Tensor xt = wave({5, 3, 4}, 0.2).transpose(0, 2).requires_grad_();  // [4, 3, 5], strides (1, 4, 12)
  in.x = xt;
  expect_all_same(run(in, [](const Inputs& i) { return batch_norm_training(i.x, i.w, i.b); }),
                  run(in, [](const Inputs& i) { return reference(i.x, i.w, i.b, 1e-5); }), 1e-9);
}

TEST(BatchNormTraining, Float32IsExactFarFromZero) {
  // Values 1000 +- 2: E[x^2] - E[x]^2 in float32 would lose every digit of the variance (~2).
  const Shape s{8, 4, 16, 16};
  const Tensor x64 = wave(s, 0.1, 2.0) + 1000.0, w64 = ones({4}, kFloat64), b64 = zeros({4}, kFloat64);
  const BatchNormTraining want = reference(x64, w64, b64, 1e-5);
  const BatchNormTraining got = batch_norm_training(x64.to(kFloat32), w64.to(kFloat32), b64.to(kFloat32));
  EXPECT_EQ(got.y.dtype(), kFloat32);
  testing::expect_same_to_scale(got.y, want.y, 1e-4);
  expect_same(got.mean, want.mean, 1e-7);
  expect_same(got.var, want.var, 1e-4);  // the inputs themselves are rounded to float32 (ulp 6e-5 at 1000)
}

TEST(BatchNormTraining, FusedBackwardEqualsTheDifferentiableOne) {
  const Inputs in = inputs({3, 4, 6, 5});
  const auto f = [](const Inputs& i) { return batch_norm_training(i.x, i.w, i.b); };
  expect_all_same(run(in, f, /*create_graph=*/false), run(in, f, /*create_graph=*/true), 1e-10);
}

TEST(BatchNormTraining, GraphModeGradientsEqualEager) {
  const Shape s{3, 4, 5};
  auto f = [](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{(batch_norm_training(in[0], in[1], in[2]).y * in[3]).sum()};
  };
  graph::Function fwd = graph::trace(
      f, {{"x", {3, 4, 5}, kFloat64}, {"w", {4}, kFloat64}, {"b", {4}, kFloat64}, {"dy", {3, 4, 5}, kFloat64}},
      {.output_names = {"loss"}});
  graph::Function grads = graph::gradients(fwd, "loss", {"x", "w", "b"});
  const Inputs in = inputs(s);
  const std::vector<Tensor> eager = run(in, [](const Inputs& i) { return batch_norm_training(i.x, i.w, i.b); });
  const std::vector<Tensor> symbolic = grads({in.x.detach(), in.w.detach(), in.b.detach(), in.dy});
  ASSERT_EQ(symbolic.size(), 4u);
  for (size_t k = 0; k < 3; ++k) expect_same(symbolic[k + 1], eager[k + 3], 1e-10);
}

TEST(BatchNormTraining, Errors) {
  const Tensor c3 = ones({3}, kFloat64);
  expect_error<ShapeError>([&] { batch_norm_training(ones({4}, kFloat64), c3, c3); },
                           "batch_norm_training: expected input [N, C, *], got [4]");
  expect_error<ShapeError>(
      [&] {
        batch_norm_training(ones({2, 3}, kFloat64), ones({4}, kFloat64), c3);
      },
      "batch_norm_training: expected [3] parameters/statistics for input [2, 3], got [4]");
  expect_error<ValueError>(
      [&] {
        batch_norm_training(ones({1, 3}, kFloat64), c3, c3);
      },
      "batch_norm_training: expected more than 1 value per channel when training, got input [1, 3]");
  expect_error<DTypeError>([&] { batch_norm_training(ones({2, 3}), c3, c3); }, "expected operands of one dtype");
  expect_error<DTypeError>(
      [] {
        batch_norm_training(ones({2, 3}, kInt64), ones({3}, kInt64), ones({3}, kInt64));
      },
      "expected float32 or float64");
}

// ---- layer_norm ----------------------------------------------------------------------------------------------

// The formulas with tensor ops over the trailing w.dim() dims.
LayerNormResult layer_norm_reference(const Tensor& x, const Tensor& w, const Tensor& b, double eps) {
  std::vector<int64_t> dims;
  for (int64_t i = x.dim() - w.dim(); i < x.dim(); ++i) dims.push_back(i);
  const Tensor mean = x.mean(dims, true);
  const Tensor centered = x - mean;
  const Tensor var = square(centered).mean(dims, true);
  return {centered * rsqrt(var + eps) * w + b, mean, var};
}

// (y, mean, var, dx, dw, db) of layer_norm_with_stats or the reference, normalizing over the trailing k dims.
std::vector<Tensor> run_layer_norm(const Shape& shape, int64_t k, bool fused, bool create_graph = false) {
  const Shape normalized(shape.end() - k, shape.end());
  const Tensor x = wave(shape, 0.1, 2.0).requires_grad_(), dy = wave(shape, 1.3);
  const Tensor w = (wave(normalized, 0.7, 0.5) + 1.0).detach().requires_grad_(),
               b = wave(normalized, 0.3).requires_grad_();
  const LayerNormResult r = fused ? layer_norm_with_stats(x, w, b, 1e-3) : layer_norm_reference(x, w, b, 1e-3);
  std::vector<Tensor> out{r.y, r.mean, r.var};
  for (const Tensor& g : grad({(r.y * dy).sum()}, {x, w, b}, {}, {}, create_graph)) out.push_back(g);
  return out;
}

TEST(LayerNormOp, EqualsTheTensorOpFormulas) {
  // One row; rows shorter than the 16 lanes; a row longer than one flush (1024) with a partial lane tail; more
  // rows than the backward's 64 row blocks, with a partial last block; two normalized dims.
  const std::vector<std::pair<Shape, int64_t>> cases{
      {{7}, 1}, {{5, 3}, 1}, {{3, 1500}, 1}, {{130, 2, 9}, 1}, {{4, 3, 5}, 2}};
  for (const auto& [shape, k] : cases) {
    SCOPED_TRACE(shape_str(shape) + " over " + std::to_string(k) + " dims");
    expect_all_same(run_layer_norm(shape, k, true), run_layer_norm(shape, k, false), 1e-9);
  }
}

TEST(LayerNormOp, FusedBackwardEqualsTheDifferentiableOne) {
  expect_all_same(run_layer_norm({6, 4, 7}, 1, true, false), run_layer_norm({6, 4, 7}, 1, true, true), 1e-10);
}

TEST(LayerNormOp, Float32IsExactFarFromZero) {
  const Tensor x64 = wave({16, 512}, 0.1, 2.0) + 1000.0, w64 = ones({512}, kFloat64), b64 = zeros({512}, kFloat64);
  const LayerNormResult want = layer_norm_reference(x64, w64, b64, 1e-5);
  const LayerNormResult got = layer_norm_with_stats(x64.to(kFloat32), w64.to(kFloat32), b64.to(kFloat32));
  testing::expect_same_to_scale(got.y, want.y, 1e-4);
  expect_same(got.var, want.var, 1e-4);
}

TEST(LayerNormOp, Errors) {
  const Tensor w = ones({3, 4}, kFloat64);
  expect_error<ShapeError>(
      [&] {
        layer_norm_with_stats(ones({2, 4, 3}, kFloat64), w, w);
      },
      "layer_norm: input [2, 4, 3] does not end in normalized_shape [3, 4]");
  expect_error<ShapeError>(
      [&] {
        layer_norm_with_stats(ones({2, 3, 4}, kFloat64), w, ones({4}, kFloat64));
      },
      "layer_norm: expected bias of normalized_shape [3, 4], got [4]");
  expect_error<DTypeError>(
      [&] {
        layer_norm_with_stats(ones({2, 3, 4}), w, w);
      },
      "layer_norm: expected operands of one dtype");
}

}  // namespace
}  // namespace tessera
