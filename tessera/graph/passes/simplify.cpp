#include <numeric>
#include <optional>

#include "tessera/graph/passes/pass_util.h"
#include "tessera/graph/passes/passes.h"
#include "tessera/ops/binary.h"
#include "tessera/ops/registry.h"
#include "tessera/ops/shape.h"

namespace tessera::graph {
namespace {

// The node that produced a value of the new graph, or null for inputs, captures and constants.
const Node* producer(const Graph& g, ValueId v) {
  const Value& val = g.value(v);
  return val.kind == ValueKind::kNodeOutput ? &g.node(val.node) : nullptr;
}

bool is_op(const Node* n, const char* name) { return n && n->def->name == name; }

}  // namespace

Graph simplify(const Graph& g) {
  GraphRewriter b(g);
  for (const Node& n : g.nodes()) {
    Graph& out = b.target();
    const std::string& op = n.def->name;
    if (n.outputs.empty()) {
      b.copy(n);
      continue;
    }
    std::vector<ValueId> in;
    for (ValueId v : n.inputs) in.push_back(b.mapped(v));
    // Identities on the new graph's values; n.outputs[0]'s type is the same in both graphs.
    const TensorType& result_type = g.value(n.outputs[0]).type;
    auto same_type = [&](ValueId x) { return out.value(x).type == result_type; };
    auto is_const = [&](ValueId c, double value) { return all_equal(constant_of(out, c), value); };
    std::optional<ValueId> replacement;
    if (op == "mul" && in.size() == 2) {
      if (is_const(in[1], 1.0) && same_type(in[0]))
        replacement = in[0];
      else if (is_const(in[0], 1.0) && same_type(in[1]))
        replacement = in[1];
    } else if ((op == "add" || op == "sub") && in.size() == 2) {
      if (is_const(in[1], 0.0) && same_type(in[0]))
        replacement = in[0];
      else if (op == "add" && attrs_as<AddAttrs>(*n.attrs).alpha.to_double() == 1.0 && is_const(in[0], 0.0) &&
               same_type(in[1]))
        replacement = in[1];
    } else if (op == "div" && in.size() == 2) {
      if (attrs_as<DivAttrs>(*n.attrs).rounding_mode == RoundingMode::kNone && is_const(in[1], 1.0) && same_type(in[0]))
        replacement = in[0];
    } else if (op == "neg") {
      if (const Node* p = producer(out, in[0]); is_op(p, "neg")) replacement = p->inputs[0];
    } else if (op == "permute") {
      std::vector<int64_t> dims = attrs_as<PermuteAttrs>(*n.attrs).dims;
      if (const Node* p = producer(out, in[0]); is_op(p, "permute")) {
        // permute(permute(x, p), q)[i] = x's dim p[q[i]].
        const auto& inner = attrs_as<PermuteAttrs>(*p->attrs).dims;
        for (int64_t& d : dims) d = inner[static_cast<size_t>(d)];
        in[0] = p->inputs[0];
      }
      std::vector<int64_t> iota(dims.size());
      std::iota(iota.begin(), iota.end(), 0);
      if (dims == iota) {
        replacement = in[0];
      } else if (in[0] != b.mapped(n.inputs[0])) {
        auto a = std::make_shared<PermuteAttrs>();
        a->dims = dims;
        b.replace(n, *n.def, a, in);
        continue;
      }
    } else if (op == "reshape" || op == "view") {
      const Node* p = producer(out, in[0]);
      // reshape(reshape or view(x)) = reshape(x); a view of a view is a view of x (a view of a reshape is not: x
      // may not be viewable).
      if (p && (is_op(p, "view") || (op == "reshape" && is_op(p, "reshape")))) in[0] = p->inputs[0];
      if (same_type(in[0])) {
        replacement = in[0];
      } else if (in[0] != b.mapped(n.inputs[0])) {
        b.replace(n, *n.def, n.attrs, in);
        continue;
      }
    }
    if (replacement) {
      b.alias(n.outputs[0], *replacement);
    } else {
      b.copy(n);
    }
  }
  return b.finish();
}

Graph optimize(const Graph& g) {
  Graph cur = g;
  for (int round = 0; round < 8; ++round) {
    const size_t before = cur.num_nodes();
    cur = eliminate_dead_code(eliminate_common_subexpressions(fold_constants(simplify(cur))));
    if (cur.num_nodes() >= before) break;
  }
  return prune_loop_outputs(cur);
}

}  // namespace tessera::graph
