#include "tessera/graph/dynamic_shape.h"
#include "tessera/graph/passes/pass_util.h"
#include "tessera/graph/passes/passes.h"
#include "tessera/ops/interpreter.h"

namespace tessera::graph {
namespace {

bool foldable(const Graph& out, const Node& n, const GraphRewriter& b) {
  if (n.side_effect || n.def->inplace || is_random_node(n) || n.outputs.empty()) return false;
  if (symbol_mask(out.symbols(), *n.attrs) != 0) return false;
  int64_t elements = 0;
  for (ValueId o : n.outputs) {
    const TensorType& t = b.source().value(o).type;
    if (symbol_mask(out.symbols(), t.shape) != 0) return false;
    elements += numel(t.shape);
  }
  if (elements > kMaxFoldElements) return false;
  for (ValueId in : n.inputs) {
    if (out.value(b.mapped(in)).kind != ValueKind::kConstant) return false;
  }
  return true;
}

}  // namespace

Graph fold_constants(const Graph& g) {
  GraphRewriter b(g);
  for (const Node& n : g.nodes()) {
    Graph& out = b.target();
    if (!foldable(out, n, b)) {
      b.copy(n);
      continue;
    }
    std::vector<Tensor> inputs;
    std::vector<TensorType> types;
    for (ValueId in : n.inputs) {
      inputs.push_back(out.value(b.mapped(in)).tensor);
      types.push_back(type_of(inputs.back()));
    }
    std::vector<TensorType> out_types = n.def->infer(types, *n.attrs);
    std::vector<Tensor> values = run_kernel(*n.def, inputs, *n.attrs, out_types);
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      // A view of a constant would share its storage; a folded constant owns its own.
      Tensor v = n.def->is_view ? values[k].clone() : values[k];
      b.alias(n.outputs[k], out.add_constant(out.unique_name(g.value(n.outputs[k]).name), v));
    }
  }
  return b.finish();
}

}  // namespace tessera::graph
