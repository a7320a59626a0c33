#include <unordered_map>

#include "tessera/graph/passes/pass_util.h"
#include "tessera/graph/passes/passes.h"

namespace tessera::graph {

Graph eliminate_common_subexpressions(const Graph& g) {
  GraphRewriter b(g);
  std::unordered_map<std::string, NodeId> seen;  // key -> node of the new graph
  for (const Node& n : g.nodes()) {
    if (n.side_effect || n.def->inplace || is_random_node(n)) {
      b.copy(n);
      continue;
    }
    std::string key = cat(n.def->name, "(");
    for (ValueId in : n.inputs) key += cat(b.mapped(in), ",");
    key += cat("){", n.attrs->repr(), "}");
    if (auto it = seen.find(key); it != seen.end()) {
      const Node& same = b.target().node(it->second);
      for (size_t k = 0; k < n.outputs.size(); ++k) b.alias(n.outputs[k], same.outputs[k]);
      continue;
    }
    seen.emplace(std::move(key), b.copy(n));
  }
  return b.finish();
}

}  // namespace tessera::graph
