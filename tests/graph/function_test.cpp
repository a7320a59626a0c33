// Function::run: feeds and fetches on any value, pruning, parameters bound by reference, updates, errors.
#include "graph/graph_testing.h"

namespace tessera::testing {
namespace {

// y = (x + 1) * 2 named "y"; z = exp(y) named "z"; the output is z.sum().
Function chain() {
  auto f = [](const std::vector<Tensor>& in) {
    Tensor y = graph::name((in[0] + 1) * 2, "y");
    Tensor z = graph::name(y.exp(), "z");
    return std::vector<Tensor>{z.sum()};
  };
  return graph::trace(f, {{"x", {Dim("N")}, kFloat64}}, {.output_names = {"total"}});
}

TEST(Function, FetchesAnIntermediateValue) {
  Function fn = chain();
  auto r = fn.run({{"x", make({0, 1}, kFloat64)}}, {"y", "total"});
  expect_near(r[0], {2, 4});
  expect_near(r[1], {std::exp(2.0) + std::exp(4.0)});
}

TEST(Function, FeedingAnIntermediateSkipsWhatComputesIt) {
  Function fn = chain();
  // x is not fed: only exp and sum run.
  auto r = fn.run({{"y", make({0, 1, 2}, kFloat64)}}, {"total", "z"});
  expect_near(r[0], {1 + std::exp(1.0) + std::exp(2.0)});
  expect_near(r[1], {1, std::exp(1.0), std::exp(2.0)});
}

TEST(Function, FetchingAFedValueReturnsIt) {
  Function fn = chain();
  Tensor y = make({5}, kFloat64);
  EXPECT_TRUE(fn.run({{"y", y}}, {"y"})[0].is_same(y));
}

TEST(Function, MissingFeedUnknownNamesAndMismatchedFeedsAreClearErrors) {
  Function fn = chain();
  expect_error<ValueError>([&] { fn.run({}, {"z"}); }, {"input 'x'", "not fed"});
  expect_error<KeyError>([&] { fn.run({{"x", make({1}, kFloat64)}}, {"nope"}); }, {"fetch", "'nope'", "x"});
  expect_error<KeyError>([&] { fn.run({{"w", make({1}, kFloat64)}}, {"z"}); }, {"feed", "'w'"});
  expect_error<DTypeError>([&] { fn.run({{"x", make({1}, kFloat32)}}, {"z"}); }, {"feed 'x'", "float64", "float32"});
  expect_error<ShapeError>(
      [&] {
        fn.run({{"x", make({1, 2}, kFloat64, {1, 2})}}, {"z"});
      },
      {"feed 'x'", "[N]", "[1, 2]"});
  expect_error<ValueError>([&] { fn({}); }, "expected 1 inputs");
}

TEST(Function, SharedDynamicDimMustAgreeAcrossFeeds) {
  Function fn = graph::trace([](const std::vector<Tensor>& in) { return std::vector<Tensor>{in[0] + in[1]}; },
                             {{"a", {Dim("N"), 2}, kFloat64}, {"b", {Dim("N"), 2}, kFloat64}});
  expect_near(fn({ones({3, 2}, kFloat64), ones({3, 2}, kFloat64)})[0], std::vector<double>(6, 2.0));
  expect_error<ShapeError>(
      [&] {
        fn({ones({3, 2}, kFloat64), ones({4, 2}, kFloat64)});
      },
      {"feed 'b'", "[N, 2]", "N = 3", "[4, 2]"});
}

TEST(Function, ParametersAreBoundByReference) {
  Tensor w = make({1, 2}, kFloat64);
  Function fn = graph::trace([&](const std::vector<Tensor>& in) { return std::vector<Tensor>{in[0] * w}; },
                             {{"x", {2}, kFloat64}});
  Tensor x = make({3, 4}, kFloat64);
  expect_near(fn({x})[0], {3, 8});
  w.copy_(make({10, 20}, kFloat64));  // an optimizer's in-place update
  expect_near(fn({x})[0], {30, 80});
}

TEST(Function, KernelErrorsNameTheNode) {
  Function fn = graph::trace(
      [](const std::vector<Tensor>& in) {
        graph::NameScope s("pick");
        return std::vector<Tensor>{index_select(in[0], 0, in[1])};
      },
      {{"x", {3}, kFloat64}, {"i", {1}, kInt64}});
  expect_error<IndexError>(
      [&] {
        fn({make({1, 2, 3}, kFloat64), make<int64_t>({7}, {1})});
      },
      {"graph node 'pick/index_select'", "7"});
}

// A traced SGD step on a linear regression: forward, symbolic gradient and the update in one Function
// (Theano's `updates`), checked against the same two steps run eagerly.
TEST(Function, TracedTrainStepUpdatesParametersLikeEager) {
  const double lr = 0.1;
  Tensor x = wave({5, 3}, 0.2), y = wave({5, 1}, 1.1);
  Tensor w_graph = wave({3, 1}, 2.0), w_eager = w_graph.clone();
  auto step = [&](const std::vector<Tensor>& in) {
    Tensor loss = nn::mse_loss(in[0].matmul(w_graph), in[1]);
    Tensor g = graph::grad(loss, {w_graph})[0];
    w_graph.copy_(w_graph - lr * g);
    return std::vector<Tensor>{loss};
  };
  Function fn = graph::trace(step, {{"x", {Dim("N"), 3}, kFloat64}, {"y", {Dim("N"), 1}, kFloat64}});
  EXPECT_EQ(doubles(w_graph), doubles(w_eager));  // tracing changed nothing
  for (int i = 0; i < 2; ++i) {
    Tensor loss_graph = fn({x, y})[0];
    Tensor leaf = w_eager.detach().requires_grad_();
    Tensor loss = nn::mse_loss(x.matmul(leaf), y);
    loss.backward();
    w_eager = (leaf - lr * leaf.grad()).detach();
    expect_same(loss_graph, loss, 1e-12);
    expect_same(w_graph, w_eager, 1e-12);
  }
  // Fetching without updates leaves the parameter alone.
  Tensor before = w_graph.clone();
  fn.run({{"x", x}, {"y", y}}, {fn.output_names()[0]}, {.updates = false});
  EXPECT_EQ(doubles(w_graph), doubles(before));
  // With updates, the inputs they need must be fed.
  expect_error<ValueError>([&] { fn.run({{"x", x}}, {"x"}); }, {"input 'y'", "updates=false"});
}

}  // namespace
}  // namespace tessera::testing
