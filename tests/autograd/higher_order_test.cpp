// Gradients of gradients (create_graph=true): analytic second derivatives, a Hessian-vector product against a
// finite-difference Hessian, and a gradient-penalty loss differentiated again.
#include <gtest/gtest.h>

#include <cmath>

#include "tessera/autograd/engine.h"
#include "tessera/autograd/grad_mode.h"
#include "tessera/tessera.h"
#include "testing.h"

namespace tessera {
namespace {

using testing::doubles;

void expect_near(const std::vector<double>& a, const std::vector<double>& b, double tol) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], tol) << "element " << i;
}

TEST(HigherOrder, SecondDerivativeOfTanh) {
  Tensor x = tensor({-1.5, -0.2, 0.0, 0.7, 2.0}).requires_grad_();
  Tensor g = grad({x.tanh().sum()}, {x}, {}, {}, /*create_graph=*/true)[0];
  Tensor h = grad({g.sum()}, {x})[0];
  std::vector<double> expected;
  for (double v : {-1.5, -0.2, 0.0, 0.7, 2.0}) {
    double t = std::tanh(v);
    expected.push_back(-2 * t * (1 - t * t));
  }
  expect_near(doubles(h), expected, 1e-12);
}

TEST(HigherOrder, ThirdDerivativeOfCube) {
  Tensor x = tensor({-2.0, 0.5, 3.0}).requires_grad_();
  Tensor y = (x * x * x).sum();
  Tensor d1 = grad({y}, {x}, {}, {}, true)[0];         // 3x^2
  Tensor d2 = grad({d1.sum()}, {x}, {}, {}, true)[0];  // 6x
  Tensor d3 = grad({d2.sum()}, {x})[0];                // 6
  expect_near(doubles(d1), {12, 0.75, 27}, 1e-12);
  expect_near(doubles(d2), {-12, 3, 18}, 1e-12);
  expect_near(doubles(d3), {6, 6, 6}, 1e-12);
  Tensor p = tensor({-2.0, 0.5, 3.0}).requires_grad_();
  Tensor q = grad({p.pow(3).sum()}, {p}, {}, {}, true)[0];
  expect_near(doubles(grad({q.sum()}, {p})[0]), {-12, 3, 18}, 1e-12);
}

// A small MLP: loss(W1, W2) = mean((tanh(X W1) W2 - Y)^2).
struct Mlp {
  Tensor X = arange(15, kFloat64).reshape({5, 3}) * 0.1 - 0.7;
  Tensor Y = tensor({{0.3}, {-0.2}, {0.5}, {0.1}, {-0.4}});
  Tensor loss(const Tensor& w1, const Tensor& w2) const {
    Tensor r = X.matmul(w1).tanh().matmul(w2) - Y;
    return (r * r).mean();
  }
};

TEST(HigherOrder, HessianVectorProductMatchesFiniteDifferences) {
  Mlp m;
  Tensor w1 = (arange(12, kFloat64).reshape({3, 4}) * 0.13 - 0.6).requires_grad_();
  Tensor w2 = (arange(4, kFloat64).reshape({4, 1}) * 0.3 - 0.5).requires_grad_();
  Tensor v = (arange(12, kFloat64).reshape({3, 4}) * 0.7).sin();  // a fixed direction
  Tensor g = grad({m.loss(w1, w2)}, {w1}, {}, {}, /*create_graph=*/true)[0];
  Tensor hv = grad({(g * v).sum()}, {w1})[0];

  const double eps = 1e-5;
  auto grad_at = [&](const Tensor& w) {
    Tensor wl = w.detach().requires_grad_();
    return grad({m.loss(wl, w2.detach())}, {wl})[0];
  };
  Tensor fd = (grad_at(w1.detach() + v * eps) - grad_at(w1.detach() - v * eps)) / (2 * eps);
  expect_near(doubles(hv), doubles(fd), 1e-7);
}

TEST(HigherOrder, GradientPenaltyIsDifferentiable) {
  // gp(W) = || d/dx sum(tanh(x W)) ||^2, differentiated with respect to W.
  Tensor x = (arange(6, kFloat64).reshape({2, 3}) * 0.25 - 0.5).requires_grad_();
  auto penalty = [&](const Tensor& w, bool) {
    Tensor gx = grad({x.matmul(w).tanh().sum()}, {x}, {}, {}, /*create_graph=*/true)[0];
    return (gx * gx).sum();
  };
  Tensor w = (arange(6, kFloat64).reshape({3, 2}) * 0.3 - 0.8).requires_grad_();
  Tensor dw = grad({penalty(w, true)}, {w})[0];

  const double eps = 1e-6;
  std::vector<double> fd;
  for (int64_t k = 0; k < 6; ++k) {
    Tensor e = zeros({6}, kFloat64);
    e.data_ptr<double>()[k] = eps;
    e = e.reshape({3, 2});
    double plus = penalty(w.detach() + e, false).item<double>();
    double minus = penalty(w.detach() - e, false).item<double>();
    fd.push_back((plus - minus) / (2 * eps));
  }
  expect_near(doubles(dw), fd, 1e-7);
}

}  // namespace
}  // namespace tessera
