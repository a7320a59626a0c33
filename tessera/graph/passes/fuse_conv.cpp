// Convolution fusion: conv2d -> add(bias viewed [1, C_out, 1, 1]) -> relu chains and conv2d(x, w, bias) -> relu,
// whose inner values nothing else reads, become one fused_conv2d node (ops/fused_conv.h): the bias is added inside
// the convolution and ReLU in one pass after it.
#include "tessera/graph/passes/pass_util.h"
#include "tessera/graph/passes/passes.h"
#include "tessera/ops/binary.h"
#include "tessera/ops/fused_conv.h"
#include "tessera/ops/registry.h"

namespace tessera::graph {
namespace {

// One chain: the conv2d node, the bias add and relu it absorbs (-1 when absent), and the bias [C_out] value.
struct Chain {
  NodeId conv = -1, add = -1, relu = -1;
  ValueId bias = -1;
};

// The [C_out] tensor `v` views as [1, C_out, 1, 1] (a view or reshape node's input), or -1.
ValueId bias_source(const Graph& g, ValueId v, const TensorType& conv_out) {
  const Value& val = g.value(v);
  const int64_t c = conv_out.shape[1];
  if (val.kind != ValueKind::kNodeOutput || val.type.shape != Shape{1, c, 1, 1}) return -1;
  const Node& n = g.node(val.node);
  if (n.def->name != "view" && n.def->name != "reshape") return -1;
  const TensorType& src = g.value(n.inputs[0]).type;
  return src.shape == Shape{c} && src.dtype == conv_out.dtype && src.device == conv_out.device ? n.inputs[0] : -1;
}

}  // namespace

Graph fuse_conv2d(const Graph& g) {
  const std::vector<int> readers = count_readers(g);
  std::vector<NodeId> reader(g.values().size(), -1);  // the last node reading each value (the only one when 1)
  for (const Node& n : g.nodes()) {
    for (ValueId v : n.inputs) reader[static_cast<size_t>(v)] = n.id;
  }
  auto only_reader = [&](ValueId v, std::string_view name) -> const Node* {
    if (readers[static_cast<size_t>(v)] != 1) return nullptr;
    const Node& r = g.node(reader[static_cast<size_t>(v)]);
    return r.def->name == name && !r.side_effect ? &r : nullptr;
  };
  std::vector<Chain> ends(g.num_nodes());  // chains by their last node
  std::vector<bool> absorbed(g.num_nodes(), false);
  for (const Node& n : g.nodes()) {
    if (n.def->name != "conv2d" || n.side_effect) continue;
    const TensorType& out = g.value(n.outputs[0]).type;
    // A conv2d that has its bias already (its third operand) can still absorb a ReLU.
    const bool has_bias = n.inputs.size() == 3;
    Chain c{.conv = n.id, .bias = has_bias ? n.inputs[2] : -1};
    ValueId tail = n.outputs[0];
    if (const Node* add = has_bias ? nullptr : only_reader(tail, "add");
        add && add->inputs[0] != add->inputs[1] && attrs_as<AddAttrs>(*add->attrs).alpha.to_double() == 1.0) {
      const ValueId b = bias_source(g, add->inputs[add->inputs[0] == tail ? 1 : 0], out);
      if (b >= 0) c.add = add->id, c.bias = b, tail = add->outputs[0];
    }
    if (const Node* relu = only_reader(tail, "relu")) c.relu = relu->id, tail = relu->outputs[0];
    if (c.add < 0 && c.relu < 0) continue;
    absorbed[static_cast<size_t>(c.conv)] = true;
    if (c.add >= 0) absorbed[static_cast<size_t>(c.add)] = true;
    ends[static_cast<size_t>(c.relu >= 0 ? c.relu : c.add)] = c;
  }
  static const OpDef& fused = op("fused_conv2d");
  GraphRewriter b(g);
  for (const Node& n : g.nodes()) {
    const Chain& c = ends[static_cast<size_t>(n.id)];
    if (c.conv < 0) {
      if (!absorbed[static_cast<size_t>(n.id)]) b.copy(n);
      continue;
    }
    const Node& conv = g.node(c.conv);
    auto attrs = std::make_shared<FusedConv2dAttrs>();
    attrs->conv = attrs_as<Conv2dAttrs>(*conv.attrs);
    attrs->relu = c.relu >= 0;
    std::vector<ValueId> inputs{b.mapped(conv.inputs[0]), b.mapped(conv.inputs[1])};
    if (c.bias >= 0) inputs.push_back(b.mapped(c.bias));
    b.replace(n, fused, attrs, inputs);
  }
  return eliminate_dead_code(b.finish());
}

}  // namespace tessera::graph
