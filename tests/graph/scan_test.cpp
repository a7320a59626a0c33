// scan: eager loop and traced node give the same values and gradients (backpropagation through time), also for
// gradients of gradients and nested loops; errors name the loop and the shapes.
#include "graph/graph_testing.h"

namespace tessera::testing {
namespace {

using Carry = std::vector<Tensor>;
using Pair = std::pair<std::vector<Tensor>, std::vector<Tensor>>;

// h_t = tanh(h_{t-1} W + x_t U), y_t = h_t: a small RNN whose weights are read from outside the body.
ScanResult rnn(const Tensor& xs, const Tensor& h0, const Tensor& w, const Tensor& u, bool checkpoint = false) {
  return scan(
      [&](const Carry& c, const Carry& x) -> Pair {
        Tensor h = tanh(c[0].matmul(w) + x[0].matmul(u));
        return {{h}, {h}};
      },
      {h0}, {xs}, {.checkpoint = checkpoint});
}

TEST(Scan, EagerCumulativeSumAndProductWithTwoCarries) {
  Tensor xs = make({1, 2, 3, 4}, kFloat64);
  ScanResult r = scan(
      [](const Carry& c, const Carry& x) -> Pair {
        return {{c[0] + x[0], c[1] * x[0]}, {c[0] + x[0]}};
      },
      {zeros({}, kFloat64), ones({}, kFloat64)}, {xs});
  expect_near(r.carry[0], {10});
  expect_near(r.carry[1], {24});
  expect_near(r.ys[0], {1, 3, 6, 10});
}

TEST(Scan, ReverseAndLengthWithoutSequences) {
  Tensor xs = make({1, 2, 3}, kFloat64);
  ScanResult r = scan(
      [](const Carry& c, const Carry& x) -> Pair {
        return {{c[0] + x[0]}, {c[0] + x[0]}};
      },
      {zeros({}, kFloat64)}, {xs}, {.reverse = true});
  expect_near(r.ys[0], {6, 5, 3});  // ys in sequence order, accumulated from the end
  ScanResult p = scan(
      [](const Carry& c, const Carry&) -> Pair {
        return {{c[0] * 2}, {}};
      },
      {ones({2}, kFloat64)}, {}, {.length = 5});
  expect_near(p.carry[0], {32, 32});
}

TEST(Scan, TracedEqualsEagerWithADynamicBatchAndIsOneNode) {
  Tensor w = wave({4, 4}, 0.2, 0.5), u = wave({3, 4}, 0.7, 0.5);
  Function fn = graph::trace(
      [&](const std::vector<Tensor>& in) {
        ScanResult r = rnn(in[0], in[1], w, u);
        return std::vector<Tensor>{r.carry[0], r.ys[0]};
      },
      {{"xs", {6, Dim("N"), 3}, kFloat64}, {"h0", {Dim("N"), 4}, kFloat64}});
  int scans = 0;
  for (const auto& n : fn.graph().nodes()) scans += n.def->name == "scan";
  EXPECT_EQ(scans, 1) << graph::to_text(fn.graph());
  for (int64_t n : {2, 5}) {
    Tensor xs = wave({6, n, 3}, 0.1 * double(n)), h0 = wave({n, 4}, 1.0);
    auto g = fn({xs, h0});
    ScanResult e = rnn(xs, h0, w, u);
    expect_same(g[0], e.carry[0], 1e-14);
    expect_same(g[1], e.ys[0], 1e-14);
  }
}

// Backpropagation through time: the traced gradient (a reverse scan) equals the eager tape through the loop.
TEST(Scan, GradientsEqualEagerAutogradWithAndWithoutCheckpointing) {
  for (bool checkpoint : {false, true}) {
    SCOPED_TRACE(checkpoint ? "checkpoint" : "residuals");
    Tensor w = wave({4, 4}, 0.2, 0.5), u = wave({3, 4}, 0.7, 0.5);
    Tensor xs = wave({5, 2, 3}, 0.3), h0 = wave({2, 4}, 1.1), gy = wave({5, 2, 4}, 2.0);
    Function fn = graph::trace(
        [&](const std::vector<Tensor>& in) {
          ScanResult r = rnn(in[0], in[1], w, u, checkpoint);
          Tensor loss = (r.ys[0] * gy).sum() + square(r.carry[0]).sum();
          return graph::grad(loss, {in[0], in[1], w, u});
        },
        {{"xs", {5, 2, 3}, kFloat64}, {"h0", {2, 4}, kFloat64}});
    auto g = fn({xs, h0});
    Tensor lx = xs.detach().requires_grad_(), lh = h0.detach().requires_grad_(), lw = w.detach().requires_grad_(),
           lu = u.detach().requires_grad_();
    ScanResult e = rnn(lx, lh, lw, lu);
    ((e.ys[0] * gy).sum() + square(e.carry[0]).sum()).backward();
    expect_same(g[0], lx.grad(), 1e-12);
    expect_same(g[1], lh.grad(), 1e-12);
    expect_same(g[2], lw.grad(), 1e-12);
    expect_same(g[3], lu.grad(), 1e-12);
  }
}

// The symbolic gradient against central finite differences of the traced function itself.
TEST(Scan, GradientMatchesFiniteDifferences) {
  Tensor w = wave({3, 3}, 0.4, 0.6);
  auto loss_of = [&](const Tensor& xs) {
    ScanResult r = scan(
        [&](const Carry& c, const Carry& x) -> Pair {
          Tensor h = sigmoid(c[0].matmul(w) * x[0]);
          return {{h}, {h.sum()}};
        },
        {ones({3}, kFloat64)}, {xs});
    return (r.ys[0] * r.ys[0]).sum();
  };
  Function value = graph::trace([&](const std::vector<Tensor>& in) { return std::vector<Tensor>{loss_of(in[0])}; },
                                {{"xs", {4, 3}, kFloat64}});
  Function gradient = graph::trace([&](const std::vector<Tensor>& in) { return graph::grad(loss_of(in[0]), {in[0]}); },
                                   {{"xs", {4, 3}, kFloat64}});
  Tensor xs = wave({4, 3}, 0.9);
  std::vector<double> g = doubles(gradient({xs})[0]), base = doubles(xs);
  const double eps = 1e-6;
  for (size_t i = 0; i < base.size(); ++i) {
    std::vector<double> hi = base, lo = base;
    hi[i] += eps;
    lo[i] -= eps;
    const double num = (value({make(hi, kFloat64, {4, 3})})[0].item<double>() -
                        value({make(lo, kFloat64, {4, 3})})[0].item<double>()) /
                       (2 * eps);
    EXPECT_NEAR(g[i], num, 1e-7 * std::max(1.0, std::abs(num))) << "element " << i;
  }
}

TEST(Scan, SecondOrderGradient) {
  // y = sum_t (c_t)^3 with c_t = c_{t-1} + x_t, c_0 = a: d2y/da2 = 6 * sum_t c_t.
  Function fn = graph::trace(
      [](const std::vector<Tensor>& in) {
        ScanResult r = scan(
            [](const Carry& c, const Carry& x) -> Pair {
              Tensor n = c[0] + x[0];
              return {{n}, {n * n * n}};
            },
            {in[0]}, {in[1]});
        Tensor y = r.ys[0].sum();
        Tensor dy = graph::grad(y, {in[0]})[0];
        return graph::grad(dy, {in[0]});
      },
      {{"a", {}, kFloat64}, {"xs", {3}, kFloat64}});
  // a = 1, xs = 1, 2, 3: c = 2, 4, 7: 6 * 13 = 78.
  expect_near(fn({full({}, 1.0, kFloat64), make({1, 2, 3}, kFloat64)})[0], {78});
}

TEST(Scan, NestedScanEagerAndTracedWithGradients) {
  // Outer loop over rows; inner loop sums the row's elements into the outer carry.
  auto model = [](const Tensor& m, const Tensor& s) {
    ScanResult outer = scan(
        [&](const Carry& c, const Carry& row) -> Pair {
          ScanResult inner = scan(
              [&](const Carry& ic, const Carry& e) -> Pair {
                return {{ic[0] + e[0] * s}, {}};
              },
              {c[0]}, {row[0]});
          return {{inner.carry[0] * 0.5}, {inner.carry[0]}};
        },
        {zeros({}, kFloat64)}, {m});
    return (outer.ys[0] * outer.ys[0]).sum();
  };
  Tensor m = wave({3, 4}, 0.5), s = full({}, 1.5, kFloat64);
  Function fn = graph::trace(
      [&](const std::vector<Tensor>& in) {
        Tensor l = model(in[0], in[1]);
        auto g = graph::grad(l, {in[0], in[1]});
        return std::vector<Tensor>{l, g[0], g[1]};
      },
      {{"m", {3, 4}, kFloat64}, {"s", {}, kFloat64}});
  auto r = fn({m, s});
  Tensor lm = m.detach().requires_grad_(), ls = s.detach().requires_grad_();
  Tensor l = model(lm, ls);
  l.backward();
  expect_same(r[0], l, 1e-14);
  expect_same(r[1], lm.grad(), 1e-12);
  expect_same(r[2], ls.grad(), 1e-12);
}

TEST(Scan, Errors) {
  auto same = [](const Carry& c, const Carry& x) -> Pair { return {{c[0] + x[0]}, {}}; };
  expect_error<ShapeError>(
      [&] {
        scan(same, {zeros({2})}, {zeros({3, 2}), zeros({4, 2})});
      },
      {"scan", "sequence 1", "[4, 2]", "4 steps"});
  expect_error<ValueError>([&] { scan(same, {zeros({2})}, {}); }, {"scan", "length"});
  auto grows = [](const Carry& c, const Carry& x) -> Pair { return {{cat({c[0], x[0]})}, {}}; };
  expect_error<ShapeError>(
      [&] {
        scan(grows, {zeros({2})}, {zeros({3, 1})});
      },
      {"scan", "carry 0", "[3]", "[2]", "step 0"});
  auto to_double = [](const Carry& c, const Carry&) -> Pair { return {{c[0].to(kFloat64)}, {}}; };
  expect_error<ShapeError>([&] { scan(to_double, {zeros({2})}, {}, {.length = 2}); }, {"float64", "float32"});
  // Traced: the same checks happen once, while tracing.
  expect_error<ShapeError>(
      [&] {
        graph::trace([&](const std::vector<Tensor>& in) { return scan(grows, {in[0]}, {in[1]}).carry; },
                     {{"c", {2}, kFloat32}, {"xs", {3, 1}, kFloat32}});
      },
      {"scan", "carry 0"});
  Tensor counter = zeros({1});
  auto writes_outside = [&](const Carry& c, const Carry&) -> Pair {
    counter.copy_(counter + 1);
    return {{c[0]}, {}};
  };
  expect_error<NotImplementedError>(
      [&] {
        graph::trace(
            [&](const std::vector<Tensor>& in) { return scan(writes_outside, {in[0]}, {}, {.length = 2}).carry; },
            {{"c", {2}, kFloat32}});
      },
      "outside the loop");
}

}  // namespace
}  // namespace tessera::testing

namespace tessera::testing {
namespace {

TEST(Scan, PrintingShowsTheBodyAndFetchingInsideItIsAnError) {
  Function fn = graph::trace(
      [](const std::vector<Tensor>& in) {
        graph::NameScope s("loop");
        ScanResult r = scan(
            [](const Carry& c, const Carry& x) -> Pair {
              Tensor h = graph::name(c[0] * x[0], "h");
              return {{h}, {}};
            },
            {in[0]}, {in[1]});
        return r.carry;
      },
      {{"c", {2}, kFloat64}, {"xs", {3, 2}, kFloat64}});
  const std::string text = graph::to_text(fn.graph());
  EXPECT_NE(text.find("loop/scan = scan("), std::string::npos) << text;
  EXPECT_NE(text.find("    | %"), std::string::npos) << text;  // the body's dump, indented
  const std::string dot = graph::to_dot(fn.graph());
  EXPECT_NE(dot.find("subgraph cluster_n0_"), std::string::npos) << dot;
  EXPECT_NE(dot.find("body of loop/scan"), std::string::npos) << dot;
  expect_error<KeyError>(
      [&] {
        fn.run({{"c", ones({2}, kFloat64)}, {"xs", ones({3, 2}, kFloat64)}}, {"loop/h"});
      },
      {"'loop/h'", "inside the body of loop 'loop/scan'"});
}

}  // namespace
}  // namespace tessera::testing

namespace tessera::testing {
namespace {

// h_t = tanh(h W + x_t) * sigmoid(h U): several intermediates per step, which residual saving keeps for backward.
Function gated_rnn_grad(const Tensor& w, const Tensor& u, bool checkpoint) {
  return graph::trace(
      [&, checkpoint](const std::vector<Tensor>& in) {
        ScanResult r = scan(
            [&](const Carry& c, const Carry& x) -> Pair {
              Tensor h = tanh(c[0].matmul(w) + x[0]) * sigmoid(c[0].matmul(u));
              return {{h}, {}};
            },
            {in[1]}, {in[0]}, {.checkpoint = checkpoint});
        return graph::grad(r.carry[0].sum(), {w, u, in[0]});
      },
      {{"xs", {100, 32, 64}, kFloat64}, {"h0", {32, 64}, kFloat64}});
}

TEST(Scan, CheckpointingRecomputesInsteadOfSavingAndLowersPeakMemory) {
  Tensor w = wave({64, 64}, 0.1, 0.1), u = wave({64, 64}, 0.6, 0.1);
  Tensor xs = wave({100, 32, 64}, 0.2), h0 = wave({32, 64}, 0.9);
  double peak[2];
  std::vector<Tensor> grads[2];
  for (int ck = 0; ck < 2; ++ck) {
    Function f(graph::optimize(gated_rnn_grad(w, u, ck == 1).graph()));  // drops the reverse loop's history
    f({xs, h0});                                                         // warm-up
    cpu_allocator().reset_peak();
    const int64_t before = cpu_allocator().stats().current_bytes;
    grads[ck] = f({xs, h0});
    peak[ck] = double(cpu_allocator().stats().peak_bytes - before);
  }
  for (size_t i = 0; i < 3; ++i) expect_same(grads[1][i], grads[0][i], 1e-12);
  // Measured: 3.6 MB with checkpointing, 6.9 MB saving residuals (several [32, 64] float64 values per step).
  EXPECT_LT(peak[1], 0.6 * peak[0]) << "checkpoint " << peak[1] << " bytes, residuals " << peak[0] << " bytes";
}

}  // namespace
}  // namespace tessera::testing
