// clip_grad_norm_ / clip_grad_value_ against PyTorch 1.13, and parameter constraints.
#include <gtest/gtest.h>

#include <limits>

#include "optim/optim_testing.h"

namespace tessera::optim {
namespace {

using namespace tessera::optim::testing;
using tessera::testing::expect_close;
using tessera::testing::expect_error;

std::vector<double> grads_of(const Params& p) {
  std::vector<double> v = doubles(p.a.grad()), w = doubles(p.b.grad());
  v.insert(v.end(), w.begin(), w.end());
  return v;
}

TEST(ClipGradNorm, MatchesPyTorch) {
  const double inf = std::numeric_limits<double>::infinity();
  const std::map<std::string, std::pair<double, double>> cases = {
      {"l2", {0.5, 2.0}}, {"l1", {1.0, 1.0}}, {"inf", {0.3, inf}}, {"l3", {0.4, 3.0}}, {"noclip", {100.0, 2.0}}};
  for (const auto& [name, args] : cases) {
    SCOPED_TRACE(name);
    const std::vector<double>& want = reference::kClipGradNorm.at(name);
    Params p;
    set_grads(p, 1);
    double total = clip_grad_norm_({p.a, p.b}, args.first, args.second);
    EXPECT_NEAR(total, want[0], 1e-12);
    expect_close(grads_of(p), std::vector<double>(want.begin() + 1, want.end()), 1e-12, 1e-14);
  }
}

TEST(ClipGradNorm, SkipsMissingGradsAndHandlesFloat32) {
  Params p(kFloat32);
  EXPECT_EQ(clip_grad_norm_({p.a, p.b}, 1.0), 0.0);
  p.a.set_grad(from_vector(std::vector<double>{3, 0, 0, 0, 4, 0}, Shape{2, 3}, kFloat32));
  EXPECT_NEAR(clip_grad_norm_({p.a, p.b}, 1.0), 5.0, 1e-6);
  expect_close(doubles(p.a.grad()), {0.6, 0, 0, 0, 0.8, 0}, 1e-6, 1e-6);
  EXPECT_EQ(p.a.grad().dtype(), kFloat32);
}

TEST(ClipGradNorm, NonFinite) {
  Params p;
  set_grads(p, 0);
  p.b.set_grad(from_vector(std::vector<double>{1, std::numeric_limits<double>::quiet_NaN(), 0}));
  expect_error<ValueError>([&] { clip_grad_norm_({p.a, p.b}, 1.0, 2.0, true); }, {"clip_grad_norm_", "non-finite"});
  EXPECT_EQ(doubles(p.a.grad()), kG1);  // untouched
  EXPECT_TRUE(std::isnan(clip_grad_norm_({p.a, p.b}, 1.0)));
  EXPECT_TRUE(std::isnan(doubles(p.a.grad())[0]));  // NaN propagates, as in PyTorch
}

TEST(ClipGradValue, Clamps) {
  Params p;
  set_grads(p, 0);
  clip_grad_value_({p.a, p.b}, 0.35);
  expect_close(grads_of(p), {0.3, -0.35, 0.35, -0.2, 0.35, -0.35, 0.35, -0.1, 0.25}, 0, 0);
  expect_error<ValueError>([&] { clip_grad_value_({p.a}, -1.0); }, "clip_grad_value_");
}

// ---- Constraints --------------------------------------------------------------------------------------------

Tensor p1() { return from_vector(kP1, Shape{2, 3}); }

TEST(Constraint, BuiltinsMatchPyTorch) {
  const std::vector<std::pair<std::string, Constraint>> cases = {{"max_norm_dim0", max_norm(1.0, 0)},
                                                                 {"max_norm_dim1", max_norm(1.2, -1)},
                                                                 {"unit_norm_dim0", unit_norm(0)},
                                                                 {"unit_norm_dim1", unit_norm(1)},
                                                                 {"non_neg", non_neg()}};
  for (const auto& [name, c] : cases) {
    SCOPED_TRACE(name);
    Tensor w = p1();
    c(w);
    expect_close(doubles(w), reference::kConstraints.at(name), 1e-12, 1e-14);
  }
}

TEST(Constraint, OneDimensionalAndErrors) {
  Tensor b = from_vector(kP2);
  unit_norm()(b);
  EXPECT_EQ(doubles(b), (std::vector<double>{1, -1, 1}));
  Tensor w = p1();
  expect_error<IndexError>([&] { max_norm(1.0, 2)(w); }, {"max_norm", "dim 2", "[2, 3]"});
  expect_error<ValueError>([&] { max_norm(-1.0); }, "max_norm");
}

TEST(Constraint, AppliedAfterEachStep) {
  Params p;
  SGD opt({p.a, p.b}, {.lr = 0.1});
  opt.add_constraint(p.a, max_norm(1.0, 0));
  opt.add_constraint([](Tensor& t) { t.copy_(clamp(t, -1.0, 1.0)); });  // every parameter
  p.a.set_grad(zeros_like(p.a));
  p.b.set_grad(zeros_like(p.b));
  opt.step();
  expect_close(doubles(p.a), reference::kConstraints.at("max_norm_dim0"), 1e-12, 1e-14);
  EXPECT_EQ(doubles(p.b), (std::vector<double>{0.4, -0.25, 1.0}));
  EXPECT_TRUE(p.a.requires_grad());
  EXPECT_TRUE(p.a.is_leaf());
  Params other;
  expect_error<ValueError>([&] { opt.add_constraint(other.a, non_neg()); }, {"SGD", "not a parameter"});
}

}  // namespace
}  // namespace tessera::optim
