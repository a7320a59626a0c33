#include "tessera/graph/passes/passes.h"

namespace tessera::graph {

Graph eliminate_dead_code(const Graph& g) {
  std::vector<char> live_value(g.values().size(), 0), live_node(g.num_nodes(), 0);
  for (ValueId v : g.outputs()) live_value[static_cast<size_t>(v)] = 1;
  for (auto i = static_cast<NodeId>(g.num_nodes()) - 1; i >= 0; --i) {
    const Node& n = g.node(i);
    bool live = n.side_effect;
    for (ValueId o : n.outputs) live = live || live_value[static_cast<size_t>(o)];
    if (!live) continue;
    live_node[static_cast<size_t>(i)] = 1;
    for (ValueId in : n.inputs) live_value[static_cast<size_t>(in)] = 1;
  }
  GraphRewriter b(g);
  for (const Node& n : g.nodes()) {
    if (live_node[static_cast<size_t>(n.id)]) b.copy(n);
  }
  return b.finish();
}

}  // namespace tessera::graph
