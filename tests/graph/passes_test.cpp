// Graph passes on small hand-made graphs: the graph after the pass, and unchanged results.
#include "graph/graph_testing.h"

namespace tessera::testing {
namespace {

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

namespace tessera::testing {
namespace {

TEST(Fusion, AChainBecomesOneFusedNodeWithTheSameValues) {
  auto f = [](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{sigmoid(tanh(in[0] * 2 + 1) * in[1] - in[0])};
  };
  Function fn = graph::trace(f, {{"x", {Dim("N"), 3}, kFloat64}, {"y", {Dim("N"), 3}, kFloat64}});
  Function fused(graph::fuse_elementwise(fn.graph()));
  // The two scalar constants stay as `full` nodes; mul, add, tanh, mul, sub, sigmoid become one node.
  EXPECT_EQ(ops_of(fused.graph()), (std::vector<std::string>{"full", "full", "fused_elementwise"}))
      << graph::to_text(fused.graph());
  EXPECT_EQ(fused.graph().node(2).inputs.size(), 4u);  // x, 2, 1, y
  Tensor x = wave({4, 3}, 0.1), y = wave({4, 3}, 0.9);
  expect_same(fused({x, y})[0], fn({x, y})[0], 1e-15);
}

TEST(Fusion, AValueWithAnotherReaderEndsTheChain) {
  auto f = [](const std::vector<Tensor>& in) {
    Tensor h = exp(in[0]) * 3;  // read twice: by the sum and by the chain
    return std::vector<Tensor>{relu(h - 1), h.sum()};
  };
  Function fn = graph::trace(f, {{"x", {5}, kFloat32}});
  Function fused(graph::fuse_elementwise(fn.graph()));
  EXPECT_EQ(ops_of(fused.graph()),
            (std::vector<std::string>{"full", "fused_elementwise", "full", "fused_elementwise", "sum"}))
      << graph::to_text(fused.graph());
  Tensor x = wave({5}, 0.3, 1.0, kFloat32);
  auto a = fused({x}), b = fn({x});
  expect_same(a[0], b[0], 1e-7);
  expect_same(a[1], b[1], 1e-7);
}

TEST(Fusion, BroadcastsOtherThanScalarsAndIntegerOpsAreNotFused) {
  auto f = [](const std::vector<Tensor>& in) {
    Tensor row = in[0] + in[1];        // [2, 3] + [3]: a real broadcast
    Tensor i = in[2] * in[2] + in[2];  // int64
    return std::vector<Tensor>{exp(row), i};
  };
  Function fn = graph::trace(f, {{"a", {2, 3}, kFloat64}, {"b", {3}, kFloat64}, {"c", {2}, kInt64}});
  Function fused(graph::fuse_elementwise(fn.graph()));
  EXPECT_EQ(ops_of(fused.graph()), ops_of(fn.graph()));
}

TEST(Fusion, FusedMlpTrainingGraphMatchesUnfused) {
  auto m = small_mlp();
  Function g = cross_entropy_gradients(*m, {Dim("N"), 1, 28, 28}, {"1.weight", "3.weight"});
  Function opt(graph::fuse_elementwise(graph::optimize(g.graph())));
  int fused_nodes = 0;
  for (const auto& n : opt.graph().nodes()) fused_nodes += n.def->name == "fused_elementwise";
  EXPECT_GE(fused_nodes, 1);
  Tensor x = wave({3, 1, 28, 28}), t = make<int64_t>({1, 5, 9}, {3});
  auto a = opt({x, t}), b = g({x, t});
  for (size_t i = 0; i < a.size(); ++i) expect_same(a[i], b[i], 1e-12);
}

}  // namespace
}  // namespace tessera::testing

namespace tessera::testing {
namespace {

TEST(MemoryPlan, ChainReusesBuffersByLiveness) {
  // exp -> sin -> cos on [256] float32 (1 KiB each): exp's buffer is free again when cos runs.
  Function fn = graph::trace([](const std::vector<Tensor>& in) { return std::vector<Tensor>{in[0].exp().sin().cos()}; },
                             {{"x", {256}, kFloat32}});
  graph::MemoryPlan p = graph::plan_memory(fn.graph());
  EXPECT_EQ(p.unplanned_bytes, 3 * 1024);
  EXPECT_EQ(p.live_peak_bytes, 2 * 1024);
  EXPECT_EQ(p.arena_bytes, 2 * 1024);
  const auto& nodes = fn.graph().nodes();
  EXPECT_EQ(p.offset[static_cast<size_t>(nodes[0].outputs[0])], p.offset[static_cast<size_t>(nodes[2].outputs[0])]);
  EXPECT_NE(p.offset[static_cast<size_t>(nodes[0].outputs[0])], p.offset[static_cast<size_t>(nodes[1].outputs[0])]);
}

TEST(MemoryPlan, ViewsLiveInTheirBaseAndDynamicDimsTakeTheBoundSize) {
  // exp [N, 10] float64, a view of it, then sum of the view: the view has no buffer and keeps exp's alive.
  Function fn =
      graph::trace([](const std::vector<Tensor>& in) { return std::vector<Tensor>{in[0].exp().view({-1}).sum()}; },
                   {{"x", {Dim("N"), 10}, kFloat64}});
  graph::MemoryPlan p = graph::plan_memory(fn.graph(), {4});
  const auto& nodes = fn.graph().nodes();
  EXPECT_EQ(p.offset[static_cast<size_t>(nodes[1].outputs[0])], -1);  // the view
  EXPECT_EQ(p.unplanned_bytes, 320 + 64);                             // exp [4, 10] float64, sum rounded to 64
  EXPECT_EQ(p.arena_bytes, 384);                                      // exp is still read by sum
}

TEST(MemoryPlan, ArenaIsFarBelowUnplannedOnACnnTrainingGraph) {
  auto m = small_cnn();
  graph::Graph g = cross_entropy_gradients(*m, {Dim("N"), 1, 14, 14}).graph();
  graph::MemoryPlan p = graph::plan_memory(g, {32});
  EXPECT_GE(p.arena_bytes, p.live_peak_bytes);
  // 616,128 of 1,197,632 bytes at N = 32 (0.51).
  EXPECT_LT(p.arena_bytes * 5, p.unplanned_bytes * 3);
}

}  // namespace
}  // namespace tessera::testing
