#include "tessera/graph/scan_residuals.h"

#include "tessera/graph/traced_body.h"

namespace tessera::graph {

ResidualSplit split_residuals(const Function& body, int k, int m, int p) {
  const Graph& f = body.graph();
  Function vjp = scan_vjp_function(f, k, m, p, /*history_grads=*/false);
  const Graph& g = vjp.graph();
  const size_t forward_nodes = f.num_nodes();
  // Residuals: values made by the replayed forward nodes that a gradient node (or an output) reads.
  std::vector<char> is_residual(g.values().size(), 0);
  auto forward_made = [&](ValueId v) {
    const Value& val = g.value(v);
    return val.kind == ValueKind::kNodeOutput && static_cast<size_t>(val.node) < forward_nodes;
  };
  for (size_t i = forward_nodes; i < g.num_nodes(); ++i) {
    for (ValueId v : g.node(static_cast<NodeId>(i)).inputs) is_residual[static_cast<size_t>(v)] |= forward_made(v);
  }
  for (ValueId v : g.outputs()) is_residual[static_cast<size_t>(v)] |= forward_made(v);
  std::vector<ValueId> residuals;  // in g
  std::vector<ValueId> in_body;    // the same values in f (replay keeps node order and output order)
  for (const Value& v : g.values()) {
    if (!is_residual[static_cast<size_t>(v.id)]) continue;
    residuals.push_back(v.id);
    in_body.push_back(f.node(v.node).outputs[static_cast<size_t>(v.output_index)]);
  }

  std::vector<TensorType> fwd_types;
  for (ValueId v : f.inputs()) fwd_types.push_back(f.value(v).type);
  auto fwd = [&](const std::vector<Tensor>& in) {
    std::vector<Tensor> env = initial_env(f, in);
    replay_nodes(f, env, 0);
    std::vector<Tensor> out;
    for (ValueId v : f.outputs()) out.push_back(env[static_cast<size_t>(v)]);
    for (ValueId v : in_body) out.push_back(env[static_cast<size_t>(v)]);
    return out;
  };

  // g's inputs: g_c [k], acc [p], c_t [k], x_t [m], g_y [q], closed [p]; the backward body puts R before closed.
  const size_t K = static_cast<size_t>(k), M = static_cast<size_t>(m), P = static_cast<size_t>(p);
  const size_t before_closed = g.inputs().size() - P;
  std::vector<TensorType> bwd_types;
  for (size_t i = 0; i < before_closed; ++i) bwd_types.push_back(g.value(g.inputs()[i]).type);
  for (ValueId v : residuals) bwd_types.push_back(g.value(v).type);
  for (size_t i = before_closed; i < g.inputs().size(); ++i) bwd_types.push_back(g.value(g.inputs()[i]).type);
  auto bwd = [&](const std::vector<Tensor>& in) {
    std::vector<Tensor> g_in(in.begin(), in.begin() + static_cast<long>(before_closed));
    g_in.insert(g_in.end(), in.end() - static_cast<long>(P), in.end());
    std::vector<Tensor> env = initial_env(g, g_in);
    for (size_t j = 0; j < residuals.size(); ++j) env[static_cast<size_t>(residuals[j])] = in[before_closed + j];
    replay_nodes(g, env, forward_nodes);
    std::vector<Tensor> out;
    for (ValueId v : g.outputs()) out.push_back(env[static_cast<size_t>(v)]);
    return out;
  };
  (void)K;
  (void)M;
  return {trace_typed(fwd, fwd_types, f.symbols(), nullptr, nullptr),
          trace_typed(bwd, bwd_types, f.symbols(), nullptr, nullptr), static_cast<int32_t>(residuals.size())};
}

}  // namespace tessera::graph
