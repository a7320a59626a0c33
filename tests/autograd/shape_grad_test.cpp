// Gradients of the shape family, as readable documentation of its rules (ops/shape_grad.cpp): hand-computed
// values (PyTorch 1.13 where noted), second-order gradients through slice_scatter, and a gradcheck and
// gradgradcheck of every shape op's samples (the registry-wide test does the same for all families).
#include <gtest/gtest.h>

#include <algorithm>

#include "tessera/autograd/engine.h"
#include "tessera/autograd/grad_mode.h"
#include "tessera/autograd/gradcheck.h"
#include "tessera/ops/apply.h"
#include "tessera/ops/registry.h"
#include "tessera/tessera.h"
#include "testing.h"

namespace tessera {
namespace {

using testing::arange_leaf;
using testing::doubles;
using testing::vjp;

using Values = std::vector<double>;

// x = [[0, 1, 2], [3, 4, 5]]; x.t() is [3, 2] and x.t()[1] is x's column 1, so d/dx sum(x.t()[1] * 2) is 2 in
// column 1: select's gradient is zeros with g written at the selected index, permute's the inverse permute.
TEST(ShapeGrad, SelectOfTranspose) {
  Tensor x = arange_leaf({2, 3});
  Tensor g = vjp(x.t().select(0, 1), x, full({2}, 2.0, kFloat64));
  EXPECT_EQ(g.shape(), (Shape{2, 3}));
  EXPECT_EQ(doubles(g), (Values{0, 2, 0, 0, 2, 0}));
  EXPECT_EQ(doubles(vjp(x.select(-1, -1), x, tensor({7.0, 8.0}))), (Values{0, 0, 7, 0, 0, 8}));
}

// cat's gradient is the incoming gradient split back into the inputs' sizes.
TEST(ShapeGrad, CatSplitsTheGradient) {
  Tensor a = arange_leaf({2}), b = arange_leaf({3});
  cat({a, b}).backward(tensor({1.0, 2.0, 3.0, 4.0, 5.0}));
  EXPECT_EQ(doubles(a.grad()), (Values{1, 2}));
  EXPECT_EQ(doubles(b.grad()), (Values{3, 4, 5}));
  // Along dim 1 of [2,1] and [2,2]; the empty 1-d tensor cat skips gets no gradient.
  Tensor c = arange_leaf({2, 1}), d = arange_leaf({2, 2}), e = zeros({0}, kFloat64).requires_grad_();
  cat({c, e, d}, 1).backward(tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}));
  EXPECT_EQ(doubles(c.grad()), (Values{1, 4}));
  EXPECT_EQ(doubles(d.grad()), (Values{2, 3, 5, 6}));
  EXPECT_FALSE(e.grad().defined());
}

// x[1::2] of [0..5] picks 1, 3, 5; the gradient puts w at those places and 0 elsewhere.
TEST(ShapeGrad, StridedSlice) {
  Tensor x = arange_leaf({6});
  EXPECT_EQ(doubles(vjp(x.slice(0, 1, std::nullopt, 2), x, tensor({10.0, 20.0, 30.0}))), (Values{0, 10, 0, 20, 0, 30}));
  // Negative bounds on a transposed [3, 2] view: x.view(2, 3).t()[-2:] holds x[1], x[4], x[2], x[5].
  Tensor y = x.view({2, 3}).t().slice(0, -2);
  EXPECT_EQ(doubles(vjp(y, x, tensor({{1.0, 2.0}, {3.0, 4.0}}))), (Values{0, 1, 3, 0, 2, 4}));
}

// Pieces of split/unbind that take no part in the loss get zeros in the gradient.
TEST(ShapeGrad, SplitAndUnbindFillUnusedPiecesWithZeros) {
  Tensor x = arange_leaf({3, 2});
  std::vector<Tensor> parts = split(x, std::vector<int64_t>{2, 1});
  EXPECT_EQ(doubles(vjp(parts[1], x, full({1, 2}, 3.0, kFloat64))), (Values{0, 0, 0, 0, 3, 3}));
  Tensor z = arange_leaf({2, 3});
  std::vector<Tensor> cols = unbind(z, 1);
  std::vector<Tensor> g = grad({cols[0], cols[2]}, {z}, {ones({2}, kFloat64), full({2}, 10.0, kFloat64)});
  EXPECT_EQ(doubles(g[0]), (Values{1, 0, 10, 1, 0, 10}));
}

// expand reads each element many times; the engine sums the gradient back (Note [Broadcast gradients]).
TEST(ShapeGrad, ExpandSumsOverBroadcastDims) {
  Tensor x = arange_leaf({3, 1});
  Tensor g = vjp(x.expand({2, 3, 4}), x, ones({2, 3, 4}, kFloat64));
  EXPECT_EQ(g.shape(), (Shape{3, 1}));
  EXPECT_EQ(doubles(g), (Values{8, 8, 8}));
}

// view/reshape/flatten/unsqueeze gradients are the incoming gradient reshaped; permute's is permuted back.
TEST(ShapeGrad, ReshapeAndPermuteMoveTheGradientBack) {
  Tensor x = arange_leaf({2, 3});
  Tensor y = x.permute({1, 0}).reshape({6}).unsqueeze(0);  // [[0, 3, 1, 4, 2, 5]]
  y.backward(tensor({{10.0, 20.0, 30.0, 40.0, 50.0, 60.0}}));
  EXPECT_EQ(doubles(x.grad()), (Values{10, 30, 50, 20, 40, 60}));
}

// flip's gradient is the flipped gradient: torch.flip(x, [1]) weighted by [[0,1,2],[3,4,5]].
TEST(ShapeGrad, Flip) {
  Tensor x = arange_leaf({2, 3});
  EXPECT_EQ(doubles(vjp(flip(x, {1}), x, arange(6, kFloat64).view({2, 3}))), (Values{2, 1, 0, 5, 4, 3}));
}

// slice_scatter(b, s, 1, 0, None, 2) weighted by w = arange(12).view(3, 4) (PyTorch): b gets w with the
// scattered columns zeroed, s gets w's columns 0 and 2.
TEST(ShapeGrad, SliceScatter) {
  Tensor b = zeros({3, 4}, kFloat64).requires_grad_(), s = ones({3, 2}, kFloat64).requires_grad_();
  slice_scatter(b, s, 1, 0, std::nullopt, 2).backward(arange(12, kFloat64).view({3, 4}));
  EXPECT_EQ(doubles(b.grad()), (Values{0, 1, 0, 3, 0, 5, 0, 7, 0, 9, 0, 11}));
  EXPECT_EQ(doubles(s.grad()), (Values{0, 2, 4, 6, 8, 10}));
}

// Storage elements read by several overlapping windows collect every window's gradient (PyTorch:
// x.as_strided((4, 3), (1, 1)).sum() gives [1, 2, 3, 3, 2, 1]).
TEST(ShapeGrad, AsStridedOverlappingWindows) {
  Tensor x = arange_leaf({6});
  EXPECT_EQ(doubles(vjp(x.as_strided({4, 3}, {1, 1}), x, ones({4, 3}, kFloat64))), (Values{1, 2, 3, 3, 2, 1}));
}

// as_strided of views: the gradient follows storage positions back through the view's own geometry.
TEST(ShapeGrad, AsStridedOfViews) {
  // An expanded x shares storage between rows; the storage gradient is split between them and expand's sum
  // adds it up again (PyTorch: [1, 5, 4]).
  Tensor x = arange_leaf({3});
  Tensor y = x.expand({2, 3}).as_strided({2, 2}, {1, 1});
  EXPECT_EQ(doubles(vjp(y, x, tensor({{1.0, 2.0}, {3.0, 4.0}}))), (Values{1, 5, 4}));
  // x.view(2, 3).t() has strides [1, 3]; storage elements 1 and 3 are x[1] and x[3] (PyTorch: [0,1,0,1,0,0]).
  Tensor z = arange_leaf({6});
  EXPECT_EQ(doubles(vjp(z.view({2, 3}).t().as_strided({2}, {2}, 1), z, ones({2}, kFloat64))),
            (Values{0, 1, 0, 1, 0, 0}));
}

// The rules are made of differentiable ops, so they can be differentiated again. Every shape op is linear, so
// the telling second-order case is the gradient of the gradient with respect to the weights w: for
// g(w) = slice's vjp = slice_scatter(zeros, w), dg/dw weighted by u is slice_scatter's own rule, u's slice.
TEST(ShapeGrad, GradientOfTheGradientRule) {
  Tensor x = arange_leaf({4});
  Tensor w = tensor({5.0, 7.0}).requires_grad_();
  Tensor g = grad({x.slice(0, 1, 3)}, {x}, {w}, std::nullopt, /*create_graph=*/true)[0];
  EXPECT_TRUE(g.requires_grad());
  EXPECT_EQ(doubles(g), (Values{0, 5, 7, 0}));
  EXPECT_EQ(doubles(vjp(g, w, tensor({1.0, 2.0, 3.0, 4.0}))), (Values{2, 3}));
}

// The tape keeps no tensors for the shape rules except as_strided's input (whose storage the output shares).
TEST(ShapeGrad, RulesReadOnlyTypes) {
  for (const char* name :
       {"view", "reshape", "permute", "slice", "select", "expand", "cat", "split", "unbind", "flip", "slice_scatter"}) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(op(name).vjp_needs_inputs);
    EXPECT_FALSE(op(name).vjp_needs_outputs);
  }
  EXPECT_TRUE(op("as_strided").vjp_needs_inputs);
  EXPECT_FALSE(op("as_strided").vjp_needs_outputs);
}

// Weights for an op's outputs, as leaves that require grad: 0.5 * k - 1 for element k.
std::vector<Tensor> weights_for(const std::vector<Tensor>& outputs) {
  std::vector<Tensor> w;
  for (const Tensor& o : outputs) {
    w.push_back((arange(o.numel(), kFloat64) * 0.5 - 1.0).reshape(o.shape()).detach().requires_grad_());
  }
  return w;
}

// Other families' ops a rule is made of (expand's via the engine's sum_to): the rule's own gradient needs theirs.
std::vector<const char*> rule_uses(std::string_view name) {
  if (name == "expand") return {"sum"};
  if (name == "as_strided") return {"index_add", "index_select", "div"};
  return {};
}

// Every shape op's samples pass gradcheck and gradgradcheck (float64 finite differences), and its rule, as a
// function of the output weights w, passes gradcheck too: that checks the rule's own gradient rule (skipped
// while an op the rule uses from another family has no rule yet).
TEST(ShapeGrad, EverySampleMatchesFiniteDifferences) {
  for (const char* name : {"view", "reshape", "permute", "slice", "select", "expand", "as_strided", "cat", "split",
                           "unbind", "flip", "slice_scatter"}) {
    const OpDef& d = op(name);
    ASSERT_NE(d.vjp, nullptr) << name;
    std::vector<const char*> uses = rule_uses(name);
    const bool rule_differentiable =
        std::all_of(uses.begin(), uses.end(), [](const char* u) { return op(u).vjp != nullptr; });
    for (const OpSample& s : d.samples()) {
      SCOPED_TRACE(std::string(name) + ": " + s.label);
      std::vector<Tensor> leaves;
      for (const Tensor& t : s.inputs) leaves.push_back(t.detach().requires_grad_());
      TensorFunction fn = [&](const std::vector<Tensor>& in) { return apply(d, in, *s.attrs); };
      TensorFunction rule = [&](const std::vector<Tensor>& w) {
        EnableGradGuard enable_grad;  // gradcheck's numerical pass runs under no_grad
        std::vector<Tensor> g = grad(fn(leaves), leaves, w, /*retain_graph=*/true, /*create_graph=*/true,
                                     /*allow_unused=*/true);
        std::erase_if(g, [](const Tensor& t) { return !t.defined(); });
        return g;
      };
      try {
        gradcheck(fn, leaves);
        gradgradcheck(fn, leaves);
        if (rule_differentiable) gradcheck(rule, weights_for(fn(leaves)));
      } catch (const Error& e) {
        ADD_FAILURE() << e.what();
      }
    }
  }
}

}  // namespace
}  // namespace tessera
