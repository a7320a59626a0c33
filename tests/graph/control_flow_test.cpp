// cond, while_loop and fori_loop: eager and traced agree, gradients flow through cond and fori_loop in both modes,
// and an unbounded loop's gradient is a clear error.
#include "graph/graph_testing.h"

namespace tessera::testing {
namespace {

using Ts = std::vector<Tensor>;

TEST(Cond, EagerAndTracedPickTheBranchAtRunTime) {
  Tensor w = make({2, 3}, kFloat64);  // read from outside by the true branch
  auto f = [&](const Ts& in) {
    return cond(
        in[0].sum() > 0, [&](const Ts& o) { return Ts{o[0] * w}; }, [](const Ts& o) { return Ts{-o[0]}; }, {in[0]});
  };
  Tensor pos = make({1, 2}, kFloat64), neg = make({-1, -2}, kFloat64);
  expect_near(f({pos})[0], {2, 6});
  expect_near(f({neg})[0], {1, 2});
  Function fn = graph::trace(f, {{"x", {2}, kFloat64}});
  int conds = 0;
  for (const auto& n : fn.graph().nodes()) conds += n.def->name == "cond";
  EXPECT_EQ(conds, 1);
  expect_near(fn({pos})[0], {2, 6});
  expect_near(fn({neg})[0], {1, 2});
}

TEST(Cond, GradientsOfBothBranchesEqualEager) {
  Tensor w = make({2, 3}, kFloat64);
  auto loss = [&](const Tensor& x, const Tensor& wt) {
    Ts r = cond(
        x.sum() > 0, [&](const Ts& o) { return Ts{(o[0] * wt).exp()}; },
        [&](const Ts& o) { return Ts{o[0] * o[0] * 3}; }, {x});
    return r[0].sum();
  };
  Function fn = graph::trace(
      [&](const Ts& in) {
        return graph::grad(loss(in[0], w), {in[0], w});
      },
      {{"x", {2}, kFloat64}});
  for (const Tensor& x : {make({0.5, 0.25}, kFloat64), make({-0.5, 0.25}, kFloat64)}) {
    Ts g = fn({x});
    Tensor lx = x.detach().requires_grad_(), lw = w.detach().requires_grad_();
    loss(lx, lw).backward();
    expect_same(g[0], lx.grad(), 1e-14);
    if (lw.grad().defined()) {
      expect_same(g[1], lw.grad(), 1e-14);
    } else {
      expect_near(g[1], {0, 0});  // the false branch does not read w
    }
  }
}

TEST(Cond, ErrorsNameCond) {
  auto a = [](const Ts& o) { return Ts{o[0]}; };
  auto b = [](const Ts& o) { return Ts{o[0].sum()}; };
  expect_error<DTypeError>([&] { cond(make({1, 0}, kBool, {2}), a, a, {zeros({2})}); }, {"cond", "one bool"});
  expect_error<ShapeError>(
      [&] {
        graph::trace([&](const Ts& in) { return cond(in[0].sum() > 0, a, b, {in[0]}); }, {{"x", {2}, kFloat32}});
      },
      {"cond", "output 0", "[2]", "[]"});
}

// Collatz steps of 27: 111.
TEST(WhileLoop, EagerAndTracedRunADataDependentNumberOfSteps) {
  auto f = [](const Ts& in) {
    return while_loop([](const Ts& c) { return Ts{c[0] != 1}; },
                      [](const Ts& c) {
                        Tensor even = remainder(c[0], 2) == 0;
                        Tensor next = where(even, div(c[0], 2, "floor"), c[0] * 3 + 1);
                        return Ts{next, c[1] + 1};
                      },
                      {in[0], in[1]});
  };
  Tensor n = full({}, 27, kInt64), steps = zeros({}, kInt64);
  EXPECT_EQ(f({n, steps})[1].item<int64_t>(), 111);
  Function fn = graph::trace(f, {{"n", {}, kInt64}, {"steps", {}, kInt64}});
  EXPECT_EQ(fn({n, steps})[1].item<int64_t>(), 111);
  EXPECT_EQ(fn({full({}, 1, kInt64), steps})[1].item<int64_t>(), 0);  // zero steps
}

TEST(WhileLoop, GradientInGraphModeIsAClearError) {
  auto f = [](const Ts& in) {
    Ts r =
        while_loop([](const Ts& c) { return Ts{c[0].sum() < 10}; }, [](const Ts& c) { return Ts{c[0] * 2}; }, {in[0]});
    return graph::grad(r[0].sum(), {in[0]});
  };
  expect_error<NotImplementedError>([&] { graph::trace(f, {{"x", {2}, kFloat64}}); }, {"while_loop", "fori_loop"});
  // Eagerly the tape records each step: d/dx of x * 2^k with k = 3 steps for x = [1, 1] (sum 2 -> 16).
  Tensor x = ones({2}, kFloat64).requires_grad_();
  Ts r = while_loop([](const Ts& c) { return Ts{c[0].sum() < 10}; }, [](const Ts& c) { return Ts{c[0] * 2}; }, {x});
  r[0].sum().backward();
  expect_near(x.grad(), {8, 8});
}

TEST(ForiLoop, IsDifferentiableInBothModes) {
  // c <- c * x + i for i in [0, 3): c3 = ((c0 x) x + 1) x + 2.
  auto f = [](const Tensor& c0, const Tensor& x) {
    return fori_loop(0, 3, [&](const Tensor& i, const Ts& c) { return Ts{c[0] * x + i.to(kFloat64)}; }, {c0})[0];
  };
  Function fn = graph::trace(
      [&](const Ts& in) {
        Tensor y = f(in[0], in[1]);
        Ts g = graph::grad(y, {in[0], in[1]});
        return Ts{y, g[0], g[1]};
      },
      {{"c0", {}, kFloat64}, {"x", {}, kFloat64}});
  Ts r = fn({full({}, 2.0, kFloat64), full({}, 3.0, kFloat64)});
  expect_near(r[0], {2 * 27 + 3 + 2});  // c0 x^3 + x + 2 = 59
  expect_near(r[1], {27});              // x^3
  expect_near(r[2], {3 * 2 * 9 + 1});   // 3 c0 x^2 + 1 = 55
  Tensor c0 = full({}, 2.0, kFloat64).requires_grad_(), x = full({}, 3.0, kFloat64).requires_grad_();
  f(c0, x).backward();
  expect_near(c0.grad(), {27});
  expect_near(x.grad(), {55});
  expect_error<ValueError>([&] { fori_loop(3, 1, [](const Tensor&, const Ts& c) { return c; }, {c0}); }, "fori_loop");
}

}  // namespace
}  // namespace tessera::testing
