// A traced model in TensorBoard's Graphs view: the GraphDef written by add_graph names every node by its scope,
// links it to its inputs and labels edges with shapes (-1 for the dynamic batch).
#include <filesystem>

#include "tessera/io/tensorboard/event_reader.h"
#include "tessera/io/tensorboard/graph_summary.h"
#include "tessera/models/zoo.h"
#include "tessera/nn/trace.h"
#include "testing.h"

namespace tessera::testing {
namespace {

const io::GraphNode* find(const io::GraphDefLike& g, const std::string& name) {
  for (const auto& n : g.nodes) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

TEST(TensorBoardGraph, FashionCnnGraphRoundTripsThroughAnEventFile) {
  manual_seed(0);
  auto model = models::fashion_cnn();
  model->eval();
  graph::Function f = nn::trace(*model, {"image", {graph::Dim("N"), 1, 28, 28}, kFloat32}, "logits");
  io::GraphDefLike def = io::to_graph_def(f.graph());
  // One node per graph node, input and parameter.
  size_t expected = f.graph().num_nodes();
  for (const auto& v : f.graph().values()) expected += v.kind != graph::ValueKind::kNodeOutput;
  ASSERT_EQ(def.nodes.size(), expected);

  const auto dir = std::filesystem::temp_directory_path() / "tessera_tb_graph_test";
  std::filesystem::remove_all(dir);
  {
    io::SummaryWriter w(dir.string());
    io::add_graph(w, f);
  }
  std::string bytes;
  for (const auto& e : io::read_events(io::event_files(dir.string()).at(0))) {
    if (!e.graph_def.empty()) bytes = e.graph_def;
  }
  ASSERT_FALSE(bytes.empty());
  io::GraphDefLike back = io::parse_graph_def(bytes);
  ASSERT_EQ(back.nodes.size(), expected);
  const io::GraphNode* conv = find(back, "Conv2d_0/conv2d");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->op, "conv2d");
  EXPECT_EQ(conv->inputs, (std::vector<std::string>{"image", "0.weight", "0.bias"}));  // the bias is an operand
  EXPECT_EQ(conv->output_shapes.at(0), (Shape{-1, 32, 28, 28}));
  const io::GraphNode* pool = find(back, "MaxPool2d_2/max_pool2d");
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->output_shapes.size(), 2u);           // values and indices
  const io::GraphNode* logits = find(back, "logits");  // a node named by its user-given output name
  ASSERT_NE(logits, nullptr);
  EXPECT_EQ(logits->op, "add");
  const io::GraphNode* weight = find(back, "0.weight");
  ASSERT_NE(weight, nullptr);
  EXPECT_EQ(weight->op, "Parameter");
  EXPECT_EQ(weight->output_shapes.at(0), (Shape{32, 1, 3, 3}));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tessera::testing
