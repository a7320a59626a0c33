#include "tessera/graph/passes/passes.h"
#include "tessera/ops/control_flow.h"

namespace tessera::graph {

Graph prune_loop_outputs(const Graph& g) {
  std::vector<char> read(g.values().size(), 0);
  for (const Node& n : g.nodes()) {
    for (ValueId v : n.inputs) read[static_cast<size_t>(v)] = 1;
  }
  for (ValueId v : g.outputs()) read[static_cast<size_t>(v)] = 1;
  GraphRewriter b(g);
  for (const Node& n : g.nodes()) {
    const auto* a = dynamic_cast<const ScanAttrs*>(n.attrs.get());
    bool history_read = false;
    const size_t k = a ? static_cast<size_t>(a->num_carry) : 0;
    for (size_t i = n.outputs.size() - k; a && i < n.outputs.size(); ++i) {
      history_read = history_read || read[static_cast<size_t>(n.outputs[i])];
    }
    if (!a || !a->save_history || history_read || k == 0) {
      b.copy(n);
      continue;
    }
    auto pruned = std::make_shared<ScanAttrs>(*a);
    pruned->save_history = false;
    std::vector<ValueId> inputs;
    std::vector<TensorType> types;
    for (ValueId v : n.inputs) inputs.push_back(b.mapped(v));
    for (size_t i = 0; i + k < n.outputs.size(); ++i) types.push_back(g.value(n.outputs[i]).type);
    const NodeId id = b.target().add_node(*n.def, pruned, inputs, types, n.name, n.side_effect);
    for (size_t i = 0; i < types.size(); ++i) b.alias(n.outputs[i], b.target().node(id).outputs[i]);
  }
  return b.finish();
}

}  // namespace tessera::graph
