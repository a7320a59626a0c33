// Graph passes on small hand-made graphs: the graph after the pass, and unchanged results.
#include "graph/graph_testing.h"

namespace tessera::testing {
namespace {

std::vector<std::string> ops_of(const graph::Graph& g) {
  std::vector<std::string> ops;
  for (const auto& n : g.nodes()) ops.push_back(n.def->name);
  return ops;
}

Function traced(const graph::TracedFn& f, Shape shape = {3}) {
  std::vector<Dim> dims(shape.begin(), shape.end());
  return graph::trace(f, {{"x", dims, kFloat64}}, {.output_names = {"out"}});
}

TEST(Passes, DeadCodeEliminationDropsUnusedNodesButKeepsUpdates) {
  Tensor counter = zeros({1}, kFloat64);
  Function fn = traced([&](const std::vector<Tensor>& in) {
    Tensor unused = in[0].exp().sum();
    (void)unused;
    counter.copy_(counter + 1);  // an update: kept
    return std::vector<Tensor>{in[0].sin()};
  });
  EXPECT_EQ(ops_of(fn.graph()), (std::vector<std::string>{"exp", "sum", "full", "add", "copy_", "sin"}));
  Function opt(graph::eliminate_dead_code(fn.graph()));
  EXPECT_EQ(ops_of(opt.graph()), (std::vector<std::string>{"full", "add", "copy_", "sin"}));
  Tensor x = make({0.5, 1, 2}, kFloat64);
  expect_same(opt({x})[0], sin(x), 0);
  expect_near(counter, {1});
}

TEST(Passes, CommonSubexpressionsAreMergedAndKeepTheirNames) {
  Function fn = traced([](const std::vector<Tensor>& in) {
    Tensor a = graph::name(in[0].exp(), "a"), b = graph::name(in[0].exp(), "b");
    return std::vector<Tensor>{a * b};
  });
  Function opt(graph::eliminate_common_subexpressions(fn.graph()));
  EXPECT_EQ(ops_of(opt.graph()), (std::vector<std::string>{"exp", "mul"}));
  Tensor x = make({0, 1, -1}, kFloat64);
  expect_same(opt({x})[0], exp(x) * exp(x), 0);
  expect_same(opt.run({{"x", x}}, {"b"})[0], exp(x), 0);  // "b" resolves to the merged node
}

TEST(Passes, RandomNodesAreNeverMerged) {
  Function fn =
      traced([](const std::vector<Tensor>& in) { return std::vector<Tensor>{rand_like(in[0]) - rand_like(in[0])}; });
  Function opt(graph::eliminate_common_subexpressions(fn.graph()));
  EXPECT_EQ(opt.graph().num_nodes(), fn.graph().num_nodes());
}

TEST(Passes, ConstantFoldingEvaluatesConstantSubgraphsOnce) {
  Function fn = traced([](const std::vector<Tensor>& in) {
    Tensor c = ones({3}, kFloat64) * 2 + arange(3, TensorOptions(kFloat64));  // [2, 3, 4], constant
    return std::vector<Tensor>{in[0] * c};
  });
  Function opt(graph::eliminate_dead_code(graph::fold_constants(fn.graph())));
  EXPECT_EQ(ops_of(opt.graph()), (std::vector<std::string>{"mul"}));
  expect_near(opt({make({1, 1, 2}, kFloat64)})[0], {2, 3, 8});
}

TEST(Passes, ConstantFoldingSkipsSizesThatFollowADynamicDim) {
  Function fn =
      graph::trace([](const std::vector<Tensor>& in) { return std::vector<Tensor>{in[0] + ones_like(in[0])}; },
                   {{"x", {Dim("N")}, kFloat64}});
  Function opt(graph::fold_constants(fn.graph()));
  EXPECT_EQ(ops_of(opt.graph()), (std::vector<std::string>{"full", "add"}));
  expect_near(opt({make({1, 2}, kFloat64)})[0], {2, 3});
}

TEST(Passes, SimplifyRemovesAlgebraicIdentities) {
  Function fn = traced([](const std::vector<Tensor>& in) {
    Tensor x = in[0];
    Tensor y = ((x * 1) + 0 - 0) / 1;
    return std::vector<Tensor>{(-(-y)).exp()};
  });
  Function opt(graph::optimize(fn.graph()));
  EXPECT_EQ(ops_of(opt.graph()), (std::vector<std::string>{"exp"})) << graph::to_text(opt.graph());
  Tensor x = make({0, 1, 2}, kFloat64);
  expect_same(opt({x})[0], exp(x), 0);
}

TEST(Passes, SimplifyKeepsIdentitiesThatChangeTheType) {
  // x * 1 with a float64 constant of shape [2, 3] broadcasts x [3] to [2, 3]: not an identity.
  Function fn = traced([](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{in[0] * ones({2, 3}, kFloat64)};
  });
  Function opt(graph::optimize(fn.graph()));
  EXPECT_EQ(ops_of(opt.graph()), (std::vector<std::string>{"mul"}));
  EXPECT_EQ(opt({make({1, 2, 3}, kFloat64)})[0].shape(), (Shape{2, 3}));
}

TEST(Passes, SimplifyComposesPermutesAndReshapes) {
  Function fn = traced(
      [](const std::vector<Tensor>& in) {
        Tensor x = in[0];
        Tensor back = x.permute({2, 0, 1}).permute({1, 2, 0});  // identity
        Tensor rot = x.permute({1, 0, 2}).permute({0, 2, 1});   // one permute {1, 2, 0}
        Tensor flat = x.reshape({6, 4}).reshape({24}).reshape({2, 12});
        Tensor same = x.reshape({2, 3, 4});
        return std::vector<Tensor>{back.sum() + rot.sum({0}).sum() + flat.sum() + same.sum() + rot.select(0, 1).sum()};
      },
      {2, 3, 4});
  graph::Graph s = graph::eliminate_dead_code(graph::simplify(fn.graph()));
  int permutes = 0, reshapes = 0;
  for (const auto& n : s.nodes()) {
    permutes += n.def->name == "permute";
    reshapes += n.def->name == "reshape";
  }
  EXPECT_EQ(permutes, 1) << graph::to_text(s);
  EXPECT_EQ(reshapes, 1) << graph::to_text(s);
  Tensor x = wave({2, 3, 4});
  expect_same(Function(s)({x})[0], fn({x})[0], 1e-12);
}

TEST(Passes, OptimizeKeepsModelResults) {
  auto m = small_cnn();
  Function fn = nn::trace(*m, {"x", {Dim("N"), 1, 14, 14}, kFloat64});
  Function opt(graph::optimize(fn.graph()));
  EXPECT_LE(opt.graph().num_nodes(), fn.graph().num_nodes());
  Tensor x = wave({2, 1, 14, 14});
  expect_same(opt({x})[0], m->forward(x), 1e-12);
}

}  // namespace
}  // namespace tessera::testing
