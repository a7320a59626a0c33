// Tracing: graphs equal eager execution, names and scopes, dynamic dims, and errors at trace time.
#include "graph/graph_testing.h"

namespace tessera::testing {
namespace {

TEST(Trace, LinearReluMatchesEagerAndRunsNoKernel) {
  Tensor w = wave({3, 2}, 0.3), b = wave({2}, 0.9);
  auto f = [&](const std::vector<Tensor>& in) { return std::vector<Tensor>{relu(in[0].matmul(w) + b)}; };
  Function fn = graph::trace(f, {{"x", {4, 3}, kFloat64}});
  // matmul, add, relu: three nodes; w and b are captures.
  ASSERT_EQ(fn.graph().num_nodes(), 3u);
  EXPECT_EQ(fn.graph().node(0).def->name, "matmul");
  EXPECT_EQ(fn.graph().node(2).def->name, "relu");
  Tensor x = wave({4, 3}, 1.7);
  expect_same(fn({x})[0], relu(x.matmul(w) + b), 0);
  EXPECT_EQ(fn.input_names(), std::vector<std::string>{"x"});
}

TEST(Trace, ScalarsBecomeConstantNodesNotCaptures) {
  Function fn = graph::trace([](const std::vector<Tensor>& in) { return std::vector<Tensor>{in[0] * 2.5 + 1}; },
                             {{"x", {3}, kFloat64}});
  for (const auto& v : fn.graph().values()) EXPECT_NE(v.kind, graph::ValueKind::kCapture) << v.name;
  expect_near(fn({make({1, 2, 3}, kFloat64)})[0], {3.5, 6, 8.5});
}

TEST(Trace, ShapeErrorsAreReportedWhileTracingNamingTheOp) {
  Tensor w = wave({5, 2});
  expect_error<ShapeError>(
      [&] {
        graph::trace(
            [&](const std::vector<Tensor>& in) {
              graph::NameScope s("fc1");
              return std::vector<Tensor>{in[0].matmul(w)};
            },
            {{"x", {4, 3}, kFloat64}});
      },
      {"while tracing 'fc1/matmul'", "matmul", "[4, 3]", "[5, 2]"});
}

TEST(Trace, NameScopesAndNamedValuesCanBeFetched) {
  auto f = [](const std::vector<Tensor>& in) {
    Tensor h;
    {
      graph::NameScope s("layer1");
      h = graph::name(in[0].exp(), "act");
    }
    graph::NameScope s("head");
    return std::vector<Tensor>{h.sum()};
  };
  Function fn = graph::trace(f, {{"x", {2}, kFloat64}});
  EXPECT_TRUE(fn.graph().find("layer1/act").has_value());
  EXPECT_TRUE(fn.graph().find("layer1/exp").has_value());  // the node's own name still finds it
  EXPECT_TRUE(fn.graph().find("head/sum").has_value());
  auto r = fn.run({{"x", make({0, 1}, kFloat64)}}, {"layer1/act", "head/sum"});
  expect_near(r[0], {1, std::exp(1.0)});
  expect_near(r[1], {1 + std::exp(1.0)});
}

TEST(Trace, SequentialLayersGetScopes) {
  auto m = small_mlp();
  Function fn = nn::trace(*m, {"x", {Dim("N"), 1, 28, 28}, kFloat64});
  EXPECT_TRUE(fn.graph().find("ReLU_2/relu").has_value()) << graph::to_text(fn.graph());
  EXPECT_TRUE(fn.graph().find("1.weight").has_value());
  EXPECT_TRUE(fn.graph().find("output").has_value());
}

TEST(Trace, MlpWithDynamicBatchMatchesEagerAtAnyBatchSize) {
  auto m = small_mlp();
  Function fn = nn::trace(*m, {"x", {Dim("N"), 1, 28, 28}, kFloat64});
  for (int64_t n : {1, 3, 64}) {
    Tensor x = wave({n, 1, 28, 28}, 0.2 * double(n));
    expect_same(fn({x})[0], m->forward(x), 1e-12);
  }
}

TEST(Trace, CnnWithDynamicBatchMatchesEager) {
  auto m = small_cnn();
  Function fn = nn::trace(*m, {"x", {Dim("N"), 1, 14, 14}, kFloat64});
  for (int64_t n : {2, 5}) {
    Tensor x = wave({n, 1, 14, 14}, 0.4);
    expect_same(fn({x})[0], m->forward(x), 1e-12);
  }
}

TEST(Trace, FashionCnnInFloat32MatchesEager) {
  auto m = models::fashion_cnn();
  m->eval();
  Function fn = nn::trace(*m, {"x", {Dim("N"), 1, 28, 28}, kFloat32});
  Tensor x = wave({3, 1, 28, 28}, 0.5, 1.0, kFloat32);
  expect_same(fn({x})[0], m->forward(x), 1e-6);
}

TEST(Trace, TwoDynamicDimsWithDerivedSizes) {
  // [N, T, 4] -> [N*T, 4] -> sum over rows of [N*T, 4] reshaped back to [N, T*4], minus its last column.
  auto f = [](const std::vector<Tensor>& in) {
    const Tensor& x = in[0];
    Tensor flat = x.reshape({x.size(0) * x.size(1), 4});
    Tensor back = flat.reshape({x.size(0), x.size(1) * 4});
    return std::vector<Tensor>{back.slice(1, 0, x.size(1) * 4 - 1)};
  };
  Function fn = graph::trace(f, {{"x", {Dim("N"), Dim("T"), 4}, kFloat64}});
  Tensor x = wave({2, 3, 4});
  Tensor r = fn({x})[0];
  EXPECT_EQ(r.shape(), (Shape{2, 11}));
  expect_same(r, f({x})[0], 0);
  EXPECT_EQ(graph::symbolic_shape_str(fn.graph().symbols(), fn.graph().value(fn.graph().outputs()[0]).type.shape),
            "[N, 4*T-1]");
}

TEST(Trace, SizeUsedInFloatArithmeticIsATraceError) {
  auto f = [](const std::vector<Tensor>& in) { return std::vector<Tensor>{in[0] * (1.0 / double(in[0].size(0)))}; };
  expect_error<Error>(
      [&] {
        graph::trace(f, {{"x", {Dim("N"), 2}, kFloat64}});
      },
      {"depends on a dynamic dim", "node 'full'"});
}

TEST(Trace, ReadingValuesWhileTracingIsAnError) {
  auto f = [](const std::vector<Tensor>& in) {
    double s = in[0].sum().item<double>();
    return std::vector<Tensor>{in[0] * s};
  };
  expect_error<Error>([&] { graph::trace(f, {{"x", {2}, kFloat64}}); }, "symbolic");
}

TEST(Trace, DropoutDrawsANewMaskEachRunAndTracingDrawsNothing) {
  manual_seed(3);
  const GeneratorState before = default_generator().get_state();
  auto f = [](const std::vector<Tensor>& in) { return std::vector<Tensor>{nn::functional::dropout(in[0], 0.5, true)}; };
  Function fn = graph::trace(f, {{"x", {Dim("N"), 64}, kFloat64}});
  EXPECT_EQ(default_generator().get_state(), before);
  Tensor x = ones({4, 64}, kFloat64);
  Tensor a = fn({x})[0], b = fn({x})[0];
  EXPECT_EQ(a.shape(), (Shape{4, 64}));
  std::vector<double> va = doubles(a), vb = doubles(b);
  int zeros_a = 0, differ = 0;
  for (size_t i = 0; i < va.size(); ++i) {
    EXPECT_TRUE(va[i] == 0.0 || va[i] == 2.0) << va[i];
    zeros_a += va[i] == 0.0;
    differ += va[i] != vb[i];
  }
  EXPECT_GT(zeros_a, 64);  // about half of 256
  EXPECT_LT(zeros_a, 192);
  EXPECT_GT(differ, 0);  // a new mask per run
}

TEST(Trace, SymbolicTensorsOfAnotherTraceAreRejected) {
  Tensor leaked;
  graph::trace(
      [&](const std::vector<Tensor>& in) {
        leaked = in[0] + 1;
        return std::vector<Tensor>{leaked};
      },
      {{"x", {2}, kFloat64}});
  expect_error<Error>(
      [&] {
        graph::trace([&](const std::vector<Tensor>& in) { return std::vector<Tensor>{in[0] + leaked}; },
                     {{"y", {2}, kFloat64}});
      },
      "another graph");
  EXPECT_THROW(leaked.exp(), Error);  // and outside tracing it has no data
}

}  // namespace
}  // namespace tessera::testing
