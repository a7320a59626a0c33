// batch_norm_training and layer_norm (Notes [The fused batch norm] and [The fused layer norm]): outputs,
// statistics and gradients equal the same formulas written with tensor ops, on shapes that take every path of the
// kernels (batch norm: batch 1, [N, C] inputs, several channels per block with a partial last block, one
// channel per block, more rows than one flush, a non-contiguous input; layer norm: one row, rows shorter than
// the lanes, a row longer than one flush, a partial last row block, a flush inside a row block, two normalized
// dims); float32 values and gradients stay exact on data far from zero; the fused backward (plain eager) equals
// the tensor-op backward (create_graph) and graph mode's symbolic gradients with a dynamic batch; results do not
// depend on the thread count; errors name the op. PyTorch's reference values for BatchNorm1d/2d (training and
// eval) and LayerNorm are in tests/nn/normalization_test.cpp.
#include "tessera/ops/normalization.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "graph/graph_testing.h"
#include "tessera/autograd/engine.h"
#include "tessera/core/parallel.h"
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

// The formulas with tensor ops: mean and biased variance over `dims` (kept), normalize, scale and shift by
// w and b viewed as `param_view`.
std::vector<Tensor> formulas(const Tensor& x, const Tensor& w, const Tensor& b, std::vector<int64_t> dims,
                             const Shape& param_view, double eps) {
  const Tensor mean = x.mean(dims, true);
  const Tensor centered = x - mean;
  const Tensor var = square(centered).mean(dims, true);
  return {centered * rsqrt(var + eps) * w.view(param_view) + b.view(param_view), mean, var};
}

// One of the two ops and its formulas: (y, mean, var) with mean and var in the op's own shape.
struct Norm {
  const char* name;
  std::function<std::vector<Tensor>(const Tensor&, const Tensor&, const Tensor&)> fused, formulas;
  std::function<Shape(const Shape&)> params;  // the weight's shape for an input shape
};

Norm batch_norm(double eps) {
  return {"batch_norm_training",
          [eps](const Tensor& x, const Tensor& w, const Tensor& b) {
            const BatchNormTraining r = batch_norm_training(x, w, b, eps);
            return std::vector<Tensor>{r.y, r.mean, r.var};
          },
          [eps](const Tensor& x, const Tensor& w, const Tensor& b) {
            std::vector<int64_t> dims{0};
            for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
            Shape view(static_cast<size_t>(x.dim()), 1);
            view[1] = x.size(1);
            std::vector<Tensor> r = formulas(x, w, b, dims, view, eps);
            return std::vector<Tensor>{r[0], r[1].reshape({x.size(1)}), r[2].reshape({x.size(1)})};
          },
          [](const Shape& s) { return Shape{s[1]}; }};
}

// Layer norm over the trailing k dims.
Norm layer_norm(int64_t k, double eps) {
  return {"layer_norm",
          [eps](const Tensor& x, const Tensor& w, const Tensor& b) {
            const LayerNormResult r = layer_norm_with_stats(x, w, b, eps);
            return std::vector<Tensor>{r.y, r.mean, r.var};
          },
          [eps](const Tensor& x, const Tensor& w, const Tensor& b) {
            std::vector<int64_t> dims;
            for (int64_t i = x.dim() - w.dim(); i < x.dim(); ++i) dims.push_back(i);
            return formulas(x, w, b, dims, w.shape(), eps);
          },
          [k](const Shape& s) { return Shape(s.end() - k, s.end()); }};
}

struct Inputs {
  Tensor x, w, b, dy;
};

Inputs inputs(const Shape& shape, const Shape& params, DType dt = kFloat64, double offset = 0.0) {
  return {(wave(shape, 0.1, 2.0, dt) + offset).detach().requires_grad_(),
          (wave(params, 0.7, 0.5, dt) + 1.0).detach().requires_grad_(), wave(params, 0.3, 1.0, dt).requires_grad_(),
          wave(shape, 1.3, 1.0, dt)};
}

using NormFn = std::function<std::vector<Tensor>(const Tensor&, const Tensor&, const Tensor&)>;

// (y, mean, var, dx, dw, db): the outputs of f and the gradients of sum(y dy).
std::vector<Tensor> run(const Inputs& in, const NormFn& f, bool create_graph = false) {
  std::vector<Tensor> out = f(in.x, in.w, in.b);
  for (const Tensor& g : grad({(out[0] * in.dy).sum()}, {in.x, in.w, in.b}, {}, {}, create_graph)) out.push_back(g);
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

void expect_fused_equals_formulas(const Norm& op, const Shape& shape) {
  SCOPED_TRACE(std::string(op.name) + " " + shape_str(shape));
  const Inputs in = inputs(shape, op.params(shape));
  expect_all_same(run(in, op.fused), run(in, op.formulas), 1e-9);
}

TEST(BatchNormTraining, EqualsTheTensorOpFormulasOnEveryBlockingPath) {
  for (const Shape& s : std::vector<Shape>{
           {1, 3, 5, 7},    // batch 1
           {7, 5},          // [N, C]: one block of all channels, S = 1
           {600, 3},        // more rows than one flush (256)
           {2, 300, 3},     // 86 channels per block, a partial last block
           {3, 4, 20, 20},  // S = 400: one channel per block
       }) {
    expect_fused_equals_formulas(batch_norm(1e-3), s);
  }
}

TEST(BatchNormTraining, NonContiguousInput) {
  Inputs in = inputs({4, 3, 5}, {3});
  in.x = wave({5, 3, 4}, 0.2).transpose(0, 2).requires_grad_();  // [4, 3, 5], strides (1, 4, 12)
  const Norm op = batch_norm(1e-5);
  expect_all_same(run(in, op.fused), run(in, op.formulas), 1e-9);
}

TEST(LayerNormOp, EqualsTheTensorOpFormulasOnEveryPath) {
  for (const Shape& s : std::vector<Shape>{
           {7},          // one row
           {5, 3},       // rows shorter than the 16 lanes
           {3, 1500},    // a row longer than one flush (1024), a partial lane tail
           {131, 2, 9},  // 262 rows: 53 row blocks of 5, the last one of 2; groups of 4 rows and single rows
           {16500, 2},   // 258 rows per block: a flush (256 rows) inside a block
       }) {
    expect_fused_equals_formulas(layer_norm(1, 1e-3), s);
  }
  expect_fused_equals_formulas(layer_norm(2, 1e-3), {4, 3, 5});  // two normalized dims
}

// Both ops, for the checks they share.
std::vector<std::pair<Norm, Shape>> both() {
  return {{batch_norm(1e-5), {3, 4, 6, 5}}, {layer_norm(1, 1e-5), {6, 4, 7}}};
}

TEST(FusedNormalization, Float32IsExactFarFromZero) {
  // Values 1000 +- 2: E[x^2] - E[x]^2 in float32 would lose every digit of the variance (~2). The float32 inputs
  // are the float64 ones rounded (ulp 6e-5 at 1000), which bounds the agreement of the variance.
  for (auto [op, shape] : both()) {
    SCOPED_TRACE(op.name);
    shape[0] *= 8;
    const Inputs in64 = inputs(shape, op.params(shape), kFloat64, 1000.0);
    const Inputs in32{in64.x.detach().to(kFloat32).requires_grad_(), in64.w.detach().to(kFloat32).requires_grad_(),
                      in64.b.detach().to(kFloat32).requires_grad_(), in64.dy.to(kFloat32)};
    const std::vector<Tensor> got = run(in32, op.fused), want = run(in64, op.formulas);
    EXPECT_EQ(got[0].dtype(), kFloat32);
    const char* names[] = {"y", "mean", "var", "dx", "dweight", "dbias"};
    const double tol[] = {1e-4, 1e-7, 1e-4, 1e-4, 1e-4, 1e-5};
    for (size_t i = 0; i < got.size(); ++i) {
      SCOPED_TRACE(names[i]);
      testing::expect_same_to_scale(got[i], want[i], tol[i]);
    }
  }
}

TEST(FusedNormalization, FusedBackwardEqualsTheDifferentiableOne) {
  for (const auto& [op, shape] : both()) {
    SCOPED_TRACE(op.name);
    const Inputs in = inputs(shape, op.params(shape));
    expect_all_same(run(in, op.fused, /*create_graph=*/false), run(in, op.fused, /*create_graph=*/true), 1e-10);
  }
}

TEST(FusedNormalization, GraphModeGradientsWithADynamicBatchEqualEager) {
  for (const auto& [op, shape] : both()) {
    SCOPED_TRACE(op.name);
    const NormFn fused = op.fused;
    auto f = [&](const std::vector<Tensor>& in) {
      return std::vector<Tensor>{(fused(in[0], in[1], in[2])[0] * in[3]).sum()};
    };
    std::vector<graph::Dim> dims{graph::Dim("N")}, params;
    for (size_t i = 1; i < shape.size(); ++i) dims.emplace_back(shape[i]);
    for (int64_t p : op.params(shape)) params.emplace_back(p);
    graph::Function fwd = graph::trace(
        f, {{"x", dims, kFloat64}, {"w", params, kFloat64}, {"b", params, kFloat64}, {"dy", dims, kFloat64}},
        {.output_names = {"loss"}});
    graph::Function grads = graph::gradients(fwd, "loss", {"x", "w", "b"});
    for (int64_t n : {shape[0], shape[0] + 3}) {  // the traced size and another
      Shape s = shape;
      s[0] = n;
      const Inputs in = inputs(s, op.params(s));
      const std::vector<Tensor> eager = run(in, op.fused);
      const std::vector<Tensor> symbolic = grads({in.x.detach(), in.w.detach(), in.b.detach(), in.dy});
      ASSERT_EQ(symbolic.size(), 4u);
      for (size_t k = 0; k < 3; ++k) expect_same(symbolic[k + 1], eager[k + 3], 1e-10);
    }
  }
}

TEST(FusedNormalization, ResultsDoNotDependOnTheThreadCount) {
  const int threads = num_threads();
  for (const auto& [op, shape0] : both()) {
    SCOPED_TRACE(op.name);
    Shape shape = shape0;
    shape[0] *= 200;  // enough work to split across threads
    const Inputs in = inputs(shape, op.params(shape), kFloat32);
    set_num_threads(1);
    const std::vector<Tensor> one = run(in, op.fused);
    set_num_threads(2);
    const std::vector<Tensor> two = run(in, op.fused);
    set_num_threads(threads);
    for (size_t i = 0; i < one.size(); ++i) EXPECT_EQ(testing::doubles(one[i]), testing::doubles(two[i])) << i;
  }
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
