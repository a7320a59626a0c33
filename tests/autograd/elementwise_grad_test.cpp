// Gradients of elementwise ops at their kinks follow PyTorch 1.13's conventions; the values below are what
// torch.autograd gives for the same inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tessera/tessera.h"
#include "testing.h"

namespace tessera {
namespace {

using testing::doubles;
using testing::leaf;

// The gradient of f(x).sum() with respect to x.
template <class F>
std::vector<double> grad_of(F&& f, std::initializer_list<double> v) {
  Tensor x = leaf(v);
  f(x).sum().backward();
  return doubles(x.grad());
}

using V = std::vector<double>;

TEST(ElementwiseGrad, ReluPassesOnlyPositiveInputs) {
  EXPECT_EQ(grad_of([](const Tensor& x) { return relu(x); }, {0, 1, -1}), (V{0, 1, 0}));
  EXPECT_EQ(grad_of([](const Tensor& x) { return relu6(x); }, {0, 6, 3, 7, -1}), (V{0, 0, 1, 0, 0}));
  EXPECT_EQ(grad_of([](const Tensor& x) { return leaky_relu(x, 0.25); }, {0, 1, -1}), (V{0.25, 1, 0.25}));
  EXPECT_EQ(grad_of([](const Tensor& x) { return elu(x, 1.5); }, {0, 1}), (V{1.5, 1}));
}

TEST(ElementwiseGrad, AbsAndSignAtZero) {
  EXPECT_EQ(grad_of([](const Tensor& x) { return abs(x); }, {0, 2, -2}), (V{0, 1, -1}));
  EXPECT_EQ(grad_of([](const Tensor& x) { return sign(x); }, {0, 2}), (V{0, 0}));
  EXPECT_EQ(grad_of([](const Tensor& x) { return floor(x); }, {0.5, 2}), (V{0, 0}));
}

TEST(ElementwiseGrad, ClampBoundsAreInclusive) {
  EXPECT_EQ(grad_of([](const Tensor& x) { return clamp(x, -1, 1); }, {-1, 1, 0, 2, -2}), (V{1, 1, 1, 0, 0}));
  EXPECT_EQ(grad_of([](const Tensor& x) { return clamp_min(x, 0); }, {0, -1, 3}), (V{1, 0, 1}));
}

TEST(ElementwiseGrad, MaximumAndMinimumSplitTies) {
  Tensor a = leaf({1, 2, 3});
  Tensor b = leaf({1, 1, 4});
  maximum(a, b).sum().backward();
  EXPECT_EQ(doubles(a.grad()), (V{0.5, 1, 0}));
  EXPECT_EQ(doubles(b.grad()), (V{0.5, 0, 1}));
  Tensor c = leaf({1, 2, 3});
  Tensor d = leaf({1, 1, 4});
  minimum(c, d).sum().backward();
  EXPECT_EQ(doubles(c.grad()), (V{0.5, 0, 1}));
  EXPECT_EQ(doubles(d.grad()), (V{0.5, 1, 0}));
}

TEST(ElementwiseGrad, SqrtAtZeroIsInfinite) {
  V g = grad_of([](const Tensor& x) { return sqrt(x); }, {0, 4});
  EXPECT_EQ(g[0], std::numeric_limits<double>::infinity());
  EXPECT_EQ(g[1], 0.25);
}

TEST(ElementwiseGrad, WhereRoutesByCondition) {
  Tensor a = leaf({1, 2, 3});
  Tensor b = leaf({4, 5, 6});
  where(tensor({true, false, true}), a, b).sum().backward();
  EXPECT_EQ(doubles(a.grad()), (V{1, 0, 1}));
  EXPECT_EQ(doubles(b.grad()), (V{0, 1, 0}));
}

TEST(ElementwiseGrad, PowMasksLogOfZero) {
  Tensor a = leaf({0, 2});
  Tensor b = leaf({2, 0});
  pow(a, b).sum().backward();
  EXPECT_EQ(doubles(a.grad()), (V{0, 0}));  // 2 * 0^1 = 0; exponent 0 gives 0
  EXPECT_EQ(doubles(b.grad()), (V{0, std::log(2.0)}));
  EXPECT_EQ(grad_of([](const Tensor& x) { return pow(x, 0); }, {0, 2}), (V{0, 0}));
}

TEST(ElementwiseGrad, RemainderAndFmodWithRespectToDivisor) {
  Tensor a = leaf({5, -5});
  Tensor b = leaf({3, 3});
  remainder(a, b).sum().backward();
  EXPECT_EQ(doubles(a.grad()), (V{1, 1}));
  EXPECT_EQ(doubles(b.grad()), (V{-1, 2}));
  Tensor c = leaf({5, -5});
  Tensor d = leaf({3, 3});
  fmod(c, d).sum().backward();
  EXPECT_EQ(doubles(d.grad()), (V{-1, 1}));
}

TEST(ElementwiseGrad, BroadcastGradientsSumToInputShape) {
  Tensor a = tensor({{1.0}, {2.0}}, kFloat64).requires_grad_();
  Tensor b = leaf({3, 4, 5});
  (a * b).sum().backward();
  EXPECT_EQ(a.grad().shape(), (Shape{2, 1}));
  EXPECT_EQ(doubles(a.grad()), (V{12, 12}));
  EXPECT_EQ(doubles(b.grad()), (V{3, 3, 3}));
}

TEST(ElementwiseGrad, NanToNumPassesFiniteOnly) {
  double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(grad_of([](const Tensor& x) { return nan_to_num(x); }, {inf, 1}), (V{0, 1}));
}

}  // namespace
}  // namespace tessera
