// Gradients of the index and linalg families (ops/index_grad.cpp, ops/linalg.cpp): hand-computed values
// (PyTorch 1.13 where noted), gradients of the rules themselves, and a gradcheck of every rule as a function of
// the output weights (the registry-wide test checks first and second order in the inputs).
#include <gtest/gtest.h>

#include <algorithm>
#include <string_view>

#include "tessera/autograd/engine.h"
#include "tessera/autograd/grad_mode.h"
#include "tessera/autograd/gradcheck.h"
#include "tessera/ops/apply.h"
#include "tessera/tessera.h"
#include "testing.h"

namespace tessera {
namespace {

using testing::arange_leaf;
using testing::doubles;
using testing::vjp;

using Values = std::vector<double>;

Tensor ints(std::vector<int64_t> v, Shape shape) { return from_vector(v, std::move(shape)); }
Tensor mask(std::vector<int64_t> v, Shape shape) { return ints(std::move(v), std::move(shape)).to(kBool); }

// x = [[0, 1, 2], [3, 4, 5]] gathered along dim 1 with [[0, 0, 2], [1, 1, 1]]: repeated indices add their
// weights up (x[0][0] is read twice, x[1][1] three times).
TEST(IndexGrad, GatherWithRepeatedIndicesAccumulates) {
  Tensor x = arange_leaf({2, 3});
  Tensor g = vjp(gather(x, 1, ints({0, 0, 2, 1, 1, 1}, {2, 3})), x, tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}));
  EXPECT_EQ(doubles(g), (Values{3, 0, 3, 0, 15, 0}));
}

// scatter overwrites x at index (no gradient there) and src's elements get the weight where they landed; a src
// larger than index gets zeros beyond it.
TEST(IndexGrad, ScatterSplitsTheGradient) {
  Tensor x = arange_leaf({5}), src = arange_leaf({3});
  scatter(x, 0, ints({1, 3}, {2}), src).backward(tensor({1.0, 2.0, 3.0, 4.0, 5.0}));
  EXPECT_EQ(doubles(x.grad()), (Values{1, 0, 3, 0, 5}));
  EXPECT_EQ(doubles(src.grad()), (Values{2, 4, 0}));
  Tensor y = arange_leaf({4});
  EXPECT_EQ(doubles(vjp(scatter(y, 0, ints({2, 0}, {2}), 9.0), y, ones({4}, kFloat64))), (Values{0, 1, 0, 1}));
}

// scatter_add keeps x (gradient passes through) and adds src (gradient gathered).
TEST(IndexGrad, ScatterAdd) {
  Tensor x = arange_leaf({2, 2}), src = arange_leaf({1, 3});
  scatter_add(x, 1, ints({1, 1}, {1, 2}), src).backward(tensor({{1.0, 2.0}, {3.0, 4.0}}));
  EXPECT_EQ(doubles(x.grad()), (Values{1, 2, 3, 4}));
  EXPECT_EQ(doubles(src.grad()), (Values{2, 2, 0}));
}

// index_select rows [2, 0, 2] of a [3, 2]: row 2 collects two weights, row 1 none. index_add's source gets
// alpha times the weights at its rows.
TEST(IndexGrad, IndexSelectAndIndexAdd) {
  Tensor x = arange_leaf({3, 2});
  Tensor w = tensor({{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}});
  EXPECT_EQ(doubles(vjp(index_select(x, 0, ints({2, 0, 2}, {3})), x, w)), (Values{3, 4, 0, 0, 6, 8}));
  Tensor y = arange_leaf({3}), source = arange_leaf({2});
  index_add(y, 0, ints({2, 0}, {2}), source, 2.5).backward(tensor({4.0, 5.0, 6.0}));
  EXPECT_EQ(doubles(y.grad()), (Values{4, 5, 6}));
  EXPECT_EQ(doubles(source.grad()), (Values{15, 10}));
}

// masked_fill's gradient is zero where the (broadcast) mask is true, summed back to x's shape.
TEST(IndexGrad, MaskedFillBroadcast) {
  Tensor x = arange_leaf({3, 1});
  Tensor m = mask({1, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1}, {3, 4});
  EXPECT_EQ(doubles(vjp(masked_fill(x, m, 7.0), x, ones({3, 4}, kFloat64))), (Values{2, 4, 0}));
  Tensor y = arange_leaf({2, 3});
  EXPECT_EQ(doubles(vjp(masked_fill(y, mask({1, 0, 1}, {3}), -1.0), y, arange_leaf({2, 3}).detach() + 1.0)),
            (Values{0, 2, 0, 0, 5, 0}));
}

// masked_select's weights go back to the mask's true places in row-major order; a broadcast x sums them.
TEST(IndexGrad, MaskedSelect) {
  Tensor x = arange_leaf({2, 3});
  EXPECT_EQ(doubles(vjp(masked_select(x, mask({1, 0, 1}, {3})), x, tensor({1.0, 2.0, 3.0, 4.0}))),
            (Values{1, 0, 2, 3, 0, 4}));
  Tensor y = arange_leaf({2, 1});
  EXPECT_EQ(doubles(vjp(masked_select(y, mask({1, 1, 0, 0, 1, 1}, {2, 3})), y, tensor({1.0, 2.0, 3.0, 4.0}))),
            (Values{3, 7}));
}

TEST(IndexGrad, Triangles) {
  Tensor x = arange_leaf({3, 3});
  EXPECT_EQ(doubles(vjp(tril(x), x, ones({3, 3}, kFloat64))), (Values{1, 0, 0, 1, 1, 0, 1, 1, 1}));
  EXPECT_EQ(doubles(vjp(triu(x, 1), x, ones({3, 3}, kFloat64))), (Values{0, 1, 1, 0, 0, 1, 0, 0, 0}));
}

// A [2, 3] matrix times a [4, 3, 2] batch: the matrix's gradient sums over the batch it was broadcast to
// (PyTorch).
TEST(LinalgGrad, MatmulBroadcastBatch) {
  Tensor a = arange_leaf({2, 3}), b = arange_leaf({4, 3, 2});
  matmul(a, b).backward(ones({4, 2, 2}, kFloat64));
  EXPECT_EQ(doubles(a.grad()), (Values{76, 92, 108, 76, 92, 108}));
  EXPECT_EQ(doubles(b.grad().select(0, 3)), (Values{3, 3, 5, 5, 7, 7}));
  // [2, 1, 2, 3] x [3, 3, 2] -> [2, 3, 2, 2]; both operands are broadcast (PyTorch).
  Tensor c = arange_leaf({2, 1, 2, 3}), d = arange_leaf({3, 3, 2});
  matmul(c, d).backward(arange(24, kFloat64).reshape({2, 3, 2, 2}) * 0.5);
  EXPECT_EQ(c.grad().shape(), (Shape{2, 1, 2, 3}));
  EXPECT_EQ(doubles(c.grad()),
            (Values{136.5, 163.5, 190.5, 175.5, 214.5, 253.5, 370.5, 469.5, 568.5, 409.5, 520.5, 631.5}));
  EXPECT_EQ(doubles(d.grad()),
            (Values{102, 111, 116, 127, 130, 143, 138, 147, 160, 171, 182, 195, 174, 183, 204, 215, 234, 247}));
}

// 1-d operands are promoted and squeezed back, as in the forward (PyTorch).
TEST(LinalgGrad, MatmulOneDimensional) {
  Tensor a = tensor({1.0, 2.0, 3.0}).requires_grad_(), c = tensor({4.0, 5.0, 6.0}).requires_grad_();
  matmul(a, c).backward(full({}, 2.0, kFloat64));
  EXPECT_EQ(doubles(a.grad()), (Values{8, 10, 12}));
  EXPECT_EQ(doubles(c.grad()), (Values{2, 4, 6}));

  Tensor v = tensor({1.0, 2.0, 3.0}).requires_grad_(), m = arange_leaf({2, 3});
  std::vector<Tensor> g = grad({matmul(v, m.t())}, {v, m}, {tensor({1.0, -1.0})});
  EXPECT_EQ(doubles(g[0]), (Values{-3, -3, -3}));
  EXPECT_EQ(doubles(g[1]), (Values{1, 2, 3, -1, -2, -3}));  // m.t()'s gradient [[1, -1], [2, -2], [3, -3]], transposed

  Tensor u = tensor({1.0, 0.0, -1.0}).requires_grad_();
  g = grad({matmul(m, u)}, {m, u}, {tensor({2.0, 3.0})});
  EXPECT_EQ(doubles(g[0]), (Values{2, 0, -2, 3, 0, -3}));
  EXPECT_EQ(doubles(g[1]), (Values{9, 14, 19}));

  Tensor batch = arange_leaf({2, 3, 2});
  g = grad({matmul(v, batch)}, {v, batch}, {tensor({{1.0, 2.0}, {3.0, 4.0}})});
  EXPECT_EQ(doubles(g[0]), (Values{48, 68, 88}));
  EXPECT_EQ(doubles(g[1]), (Values{1, 2, 2, 4, 3, 6, 3, 4, 6, 8, 9, 12}));
}

// outer promotes its operands; each gradient comes back in its operand's dtype.
TEST(LinalgGrad, OuterMixedDtypes) {
  Tensor a = tensor({1.0f, 2.0f}).requires_grad_(), b = tensor({3.0, 4.0, 5.0}).requires_grad_();
  std::vector<Tensor> g = grad({outer(a, b)}, {a, b}, {ones({2, 3}, kFloat64)});
  EXPECT_EQ(g[0].dtype(), kFloat32);
  EXPECT_EQ(doubles(g[0]), (Values{12, 12}));
  EXPECT_EQ(doubles(g[1]), (Values{3, 3, 3}));
}

// The gradient of a's gradient w @ b^T with respect to b, weighted by u, is u^T @ w (PyTorch).
TEST(LinalgGrad, SecondOrder) {
  Tensor a = arange_leaf({2, 3}), b = arange_leaf({3, 4});
  Tensor w = arange(8, kFloat64).reshape({2, 4}) - 3.0;
  Tensor ga = grad({mm(a, b)}, {a}, {w}, std::nullopt, /*create_graph=*/true)[0];
  EXPECT_TRUE(ga.requires_grad());
  EXPECT_EQ(doubles(vjp(ga, b, tensor({{1.0, 0.0, 2.0}, {0.0, -1.0, 1.0}}))),
            (Values{-3, -2, -1, 0, -1, -2, -3, -4, -5, -2, 1, 4}));
}

TEST(IndexLinalgGrad, NotDifferentiable) {
  for (const char* name : {"nonzero", "one_hot"}) EXPECT_FALSE(op(name).differentiable()) << name;
  for (const char* name : {"tril", "triu"}) {
    EXPECT_FALSE(op(name).vjp_needs_inputs) << name;
    EXPECT_FALSE(op(name).vjp_needs_outputs) << name;
  }
}

// Weights for an op's outputs, as leaves that require grad: 0.5 * k - 1 for element k.
std::vector<Tensor> weights_for(const std::vector<Tensor>& outputs) {
  std::vector<Tensor> w;
  for (const Tensor& o : outputs) {
    w.push_back((arange(o.numel(), kFloat64) * 0.5 - 1.0).reshape(o.shape()).detach().requires_grad_());
  }
  return w;
}

// The registry test differentiates each rule with respect to the op's inputs only, which says nothing for linear
// ops (their gradients do not depend on the inputs). Here each rule, as a function of the output weights w,
// passes gradcheck: that checks the gradient rules of the ops the rule is made of (gather's is scatter_add's,
// ...). index_add's rule scales by alpha with mul, whose own rule belongs to the binary family (skipped until
// it has one).
TEST(IndexLinalgGrad, RulesOfTheRules) {
  for (const char* name :
       {"gather", "scatter", "scatter_value", "scatter_add", "index_select", "index_add", "masked_fill",
        "masked_select", "tril", "triu", "matmul", "mm", "bmm", "mv", "dot", "outer"}) {
    const OpDef& d = op(name);
    ASSERT_NE(d.vjp, nullptr) << name;
    if (std::string_view(name) == "index_add" && !op("mul").vjp) continue;
    for (const OpSample& s : d.samples()) {
      SCOPED_TRACE(std::string(name) + ": " + s.label);
      std::vector<Tensor> in, leaves;
      for (const Tensor& t : s.inputs) {
        in.push_back(t.detach());
        if (t.dtype() == kFloat64) leaves.push_back(in.back().requires_grad_());
      }
      static const NoAttrs kNone;
      const Attrs& attrs = s.attrs ? *s.attrs : static_cast<const Attrs&>(kNone);
      TensorFunction rule = [&](const std::vector<Tensor>& w) {
        EnableGradGuard enable_grad;  // gradcheck's numerical pass runs under no_grad
        std::vector<Tensor> g = grad(apply(d, in, attrs), leaves, w, /*retain_graph=*/true, /*create_graph=*/true,
                                     /*allow_unused=*/true);
        std::erase_if(g, [](const Tensor& t) { return !t.defined(); });
        return g;
      };
      try {
        gradcheck(rule, weights_for(apply(d, in, attrs)));
      } catch (const Error& e) {
        ADD_FAILURE() << e.what();
      }
    }
  }
}

}  // namespace
}  // namespace tessera
