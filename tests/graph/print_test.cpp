// Text and DOT printing of graphs.
#include "graph/graph_testing.h"

namespace tessera::testing {
namespace {

TEST(Print, TextDumpHasOneLinePerNodeWithNameOpTypeAndInputs) {
  Tensor w = wave({4, 2});
  Function fn = graph::trace(
      [&](const std::vector<Tensor>& in) {
        graph::NameScope s("fc");
        return std::vector<Tensor>{relu(in[0].matmul(w))};
      },
      {{"x", {Dim("N"), 4}, kFloat64}}, {.capture_names = {{"fc.weight", w}}, .output_names = {"y"}});
  const std::string text = graph::to_text(fn.graph());
  EXPECT_EQ(text,
            "%0 x = input : float64[N, 4]\n"
            "%1 fc.weight = capture : float64[4, 2]\n"
            "%2 fc/matmul = matmul(%0 x, %1 fc.weight) : float64[N, 2]\n"
            "%3 y = relu(%2 fc/matmul) : float64[N, 2]\n"
            "outputs: %3 y\n");
}

TEST(Print, DotHasAVertexPerValueAndAnEdgePerInput) {
  Function fn = graph::trace([](const std::vector<Tensor>& in) { return std::vector<Tensor>{(in[0] + in[1]).exp()}; },
                             {{"a", {2}, kFloat64}, {"b", {2}, kFloat64}});
  const std::string dot = graph::to_dot(fn.graph());
  EXPECT_EQ(dot.rfind("digraph tessera {", 0), 0u);
  EXPECT_NE(dot.find("v0 -> n0;"), std::string::npos) << dot;
  EXPECT_NE(dot.find("v1 -> n0;"), std::string::npos);
  EXPECT_NE(dot.find("n0 -> n1;"), std::string::npos);
  EXPECT_NE(dot.find("n1 -> out0;"), std::string::npos);
  EXPECT_NE(dot.find("label=\"exp\\nexp\\nfloat64[2]\""), std::string::npos) << dot;
}

}  // namespace
}  // namespace tessera::testing
