// Elementwise fusion: trees of fusable elementwise nodes whose intermediate values have no other reader become one
// fused_elementwise node (ops/fused.h), so the chain runs as one loop over the data.
#include <algorithm>

#include "tessera/graph/passes/pass_util.h"
#include "tessera/graph/passes/passes.h"
#include "tessera/ops/binary.h"
#include "tessera/ops/fused.h"
#include "tessera/ops/registry.h"

namespace tessera::graph {
namespace {

// A node the fused kernel can run: a fusable op on float inputs that have its output's dtype and either its
// shape or one element.
bool eligible(const Graph& g, const Node& n) {
  auto op = fusable_op(n.def->name);
  if (!op || n.side_effect || n.outputs.size() != 1) return false;
  const TensorType& out = g.value(n.outputs[0]).type;
  if (out.dtype != kFloat32 && out.dtype != kFloat64) return false;
  for (ValueId v : n.inputs) {
    const TensorType& t = g.value(v).type;
    if (t.dtype != out.dtype || t.device != out.device || (t.shape != out.shape && numel(t.shape) != 1)) return false;
  }
  if (*op == FusedOp::kDiv && attrs_as<DivAttrs>(*n.attrs).rounding_mode != RoundingMode::kNone) return false;
  return true;
}

double alpha_of(const Node& n, FusedOp op) {
  return op == FusedOp::kAdd || op == FusedOp::kSub ? attrs_as<AddAttrs>(*n.attrs).alpha.to_double() : 1.0;
}

}  // namespace

Graph fuse_elementwise(const Graph& g) {
  const size_t nn = g.num_nodes();
  const std::vector<int> readers = count_readers(g);  // an output is never internal
  // group[root] = the member nodes of the tree rooted there; root_of[n] = its root.
  std::vector<std::vector<NodeId>> group(nn);
  std::vector<NodeId> root_of(nn, -1);
  for (const Node& n : g.nodes()) {
    if (!eligible(g, n)) continue;
    std::vector<NodeId>& members = group[static_cast<size_t>(n.id)];
    for (ValueId v : n.inputs) {
      const Value& val = g.value(v);
      if (val.kind != ValueKind::kNodeOutput || readers[static_cast<size_t>(v)] != 1) continue;
      const NodeId p = val.node;
      if (root_of[static_cast<size_t>(p)] != p) continue;  // not eligible, or already inside another tree
      for (NodeId m : group[static_cast<size_t>(p)]) root_of[static_cast<size_t>(m)] = n.id;
      members.insert(members.end(), group[static_cast<size_t>(p)].begin(), group[static_cast<size_t>(p)].end());
      group[static_cast<size_t>(p)].clear();
    }
    members.push_back(n.id);
    root_of[static_cast<size_t>(n.id)] = n.id;
  }
  static const OpDef& fused = op("fused_elementwise");
  GraphRewriter b(g);
  for (const Node& n : g.nodes()) {
    const NodeId root = root_of[static_cast<size_t>(n.id)];
    if (root < 0 || (root == n.id && group[static_cast<size_t>(n.id)].size() < 2)) {
      b.copy(n);
      continue;
    }
    if (root != n.id) continue;  // emitted with its root
    std::vector<NodeId> members = group[static_cast<size_t>(n.id)];
    std::sort(members.begin(), members.end());
    auto attrs = std::make_shared<FusedElementwiseAttrs>();
    std::vector<ValueId> external;                 // source-graph values read from outside the tree
    std::vector<std::pair<ValueId, int32_t>> reg;  // source value -> register
    auto register_of = [&](ValueId v) {
      for (const auto& [val, r] : reg) {
        if (val == v) return r;
      }
      external.push_back(v);
      reg.emplace_back(v, static_cast<int32_t>(external.size()) - 1);
      return reg.back().second;
    };
    // Members' outputs take registers after the inputs: collect the inputs first.
    std::vector<ValueId> member_outputs;
    for (NodeId m : members) member_outputs.push_back(g.node(m).outputs[0]);
    auto internal = [&](ValueId v) {
      return std::find(member_outputs.begin(), member_outputs.end(), v) != member_outputs.end();
    };
    for (NodeId m : members) {
      for (ValueId v : g.node(m).inputs) {
        if (!internal(v)) register_of(v);
      }
    }
    attrs->num_inputs = static_cast<int32_t>(external.size());
    for (size_t i = 0; i < members.size(); ++i) {
      const Node& m = g.node(members[i]);
      const FusedOp fop = *fusable_op(m.def->name);
      FusedInstr ins{.op = fop, .a = register_of(m.inputs[0]), .b = -1, .alpha = alpha_of(m, fop)};
      if (is_binary(fop)) ins.b = register_of(m.inputs[1]);
      attrs->program.push_back(ins);
      reg.emplace_back(m.outputs[0], attrs->num_inputs + static_cast<int32_t>(i));
    }
    std::vector<ValueId> inputs;
    for (ValueId v : external) inputs.push_back(b.mapped(v));
    b.replace(n, fused, attrs, inputs);
  }
  return b.finish();
}

}  // namespace tessera::graph
