#include "tessera/io/tensorboard/graph_summary.h"

#include "tessera/graph/dynamic_shape.h"

namespace tessera::io {
namespace {

Shape shown(const graph::Graph& g, const Shape& s) {
  Shape out = s;
  for (int64_t& d : out) {
    const int64_t one[1] = {d};
    if (graph::symbol_mask(g.symbols(), one) != 0) d = -1;
  }
  return out;
}

const char* kind_op(graph::ValueKind k) {
  switch (k) {
    case graph::ValueKind::kInput:
      return "Input";
    case graph::ValueKind::kCapture:
      return "Parameter";
    case graph::ValueKind::kConstant:
      return "Const";
    case graph::ValueKind::kNodeOutput:
      break;
  }
  return "";
}

}  // namespace

GraphDefLike to_graph_def(const graph::Graph& g) {
  // A node is named by its first output's value name (the user's name if it was given one, e.g. "logits");
  // consumers name output k > 0 as "<node>:k".
  auto node_name = [&](const graph::Node& n) { return g.value(n.outputs.front()).name; };
  auto ref = [&](graph::ValueId v) {
    const graph::Value& val = g.value(v);
    if (val.kind != graph::ValueKind::kNodeOutput) return val.name;
    const std::string node = node_name(g.node(val.node));
    return val.output_index == 0 ? node : cat(node, ":", val.output_index);
  };
  GraphDefLike out;
  for (const graph::Value& v : g.values()) {
    if (v.kind == graph::ValueKind::kNodeOutput) continue;
    out.nodes.push_back({.name = v.name,
                         .op = kind_op(v.kind),
                         .output_shapes = {shown(g, v.type.shape)},
                         .dtype = v.type.dtype,
                         .device = "cpu"});
  }
  for (const graph::Node& n : g.nodes()) {
    GraphNode node{.name = node_name(n), .op = n.def->name, .attr = n.attrs->repr(), .device = "cpu"};
    for (graph::ValueId in : n.inputs) node.inputs.push_back(ref(in));
    for (graph::ValueId o : n.outputs) node.output_shapes.push_back(shown(g, g.value(o).type.shape));
    if (!n.outputs.empty()) node.dtype = g.value(n.outputs[0]).type.dtype;
    out.nodes.push_back(std::move(node));
  }
  return out;
}

void add_graph(SummaryWriter& writer, const graph::Function& f) { writer.add_graph_def(to_graph_def(f.graph())); }

}  // namespace tessera::io
