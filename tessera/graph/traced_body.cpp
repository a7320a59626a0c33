#include "tessera/graph/traced_body.h"

#include "tessera/graph/gradients.h"
#include "tessera/graph/print.h"
#include "tessera/graph/tracer.h"
#include "tessera/ops/apply.h"
#include "tessera/ops/creation.h"

namespace tessera::graph {

std::vector<Tensor> initial_env(const Graph& g, std::span<const Tensor> inputs) {
  check<ValueError>(inputs.size() == g.inputs().size(), "replay: the graph has ", g.inputs().size(), " inputs, got ",
                    inputs.size());
  std::vector<Tensor> env(g.values().size());
  for (size_t i = 0; i < inputs.size(); ++i) env[static_cast<size_t>(g.inputs()[i])] = inputs[i];
  for (const Value& v : g.values()) {
    if (v.kind == ValueKind::kCapture || v.kind == ValueKind::kConstant) env[static_cast<size_t>(v.id)] = v.tensor;
  }
  return env;
}

void replay_nodes(const Graph& g, std::vector<Tensor>& env, size_t first_node) {
  std::vector<Tensor> in;
  for (size_t i = first_node; i < g.num_nodes(); ++i) {
    const Node& n = g.node(static_cast<NodeId>(i));
    in.clear();
    for (ValueId v : n.inputs) in.push_back(env[static_cast<size_t>(v)]);
    std::vector<Tensor> out = apply(*n.def, std::span<const Tensor>(in), *n.attrs);
    for (size_t k = 0; k < out.size(); ++k) {
      env[static_cast<size_t>(n.outputs[k])] = out[k];
      // Inlined into a trace: keep the values' names where free ("loop/h" stays findable).
      Tracer* t = current_tracer();
      const std::string& name = g.value(n.outputs[k]).name;
      if (t && out[k].is_symbolic() && !t->graph().find(name)) t->graph().rename(t->value_of(out[k]), name);
    }
  }
}

std::vector<Tensor> replay(const Graph& g, std::span<const Tensor> inputs) {
  std::vector<Tensor> env = initial_env(g, inputs);
  replay_nodes(g, env, 0);
  std::vector<Tensor> result;
  for (ValueId v : g.outputs()) result.push_back(env[static_cast<size_t>(v)]);
  return result;
}

Function trace_typed(const std::function<std::vector<Tensor>(const std::vector<Tensor>&)>& fn,
                     const std::vector<TensorType>& types, const std::vector<Symbol>& symbols, Tracer* parent,
                     std::vector<Tensor>* closures) {
  Graph g;
  g.set_symbols(symbols);
  Tracer tracer(g, parent);
  std::vector<Tensor> args;
  for (size_t i = 0; i < types.size(); ++i) args.push_back(tracer.symbolic(g.add_input(cat("in", i), types[i])));
  std::vector<Tensor> outs;
  {
    TracingGuard guard(tracer);
    outs = fn(args);
  }
  std::vector<ValueId> ids;
  for (const Tensor& t : outs) ids.push_back(tracer.value_of(t));
  g.set_outputs(std::move(ids));
  if (closures) *closures = tracer.closures();
  return Function(std::move(g));
}

std::vector<TensorType> TracedBody::output_types(std::span<const TensorType> inputs, const char* op) const {
  const Graph& g = f_.graph();
  check<ValueError>(inputs.size() == g.inputs().size(), op, ": the body takes ", g.inputs().size(), " inputs, got ",
                    inputs.size());
  Bindings sizes(g.symbols().size(), -1);
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorType& want = g.value(g.inputs()[i]).type;
    check<DTypeError>(inputs[i].dtype == want.dtype, op, ": body input ", i, " expects ", want.dtype, ", got ",
                      inputs[i].dtype);
    bind_shape(g.symbols(), want.shape, inputs[i].shape, sizes, cat(op, ": body input ", i));
  }
  std::vector<TensorType> out;
  for (ValueId v : g.outputs()) {
    TensorType t = g.value(v).type;
    t.shape = resolve_shape(g.symbols(), sizes, t.shape);
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<Tensor> TracedBody::run(std::span<const Tensor> inputs) const {
  return f_(std::vector<Tensor>(inputs.begin(), inputs.end()));
}

std::string TracedBody::repr() const { return to_text(f_.graph()); }

std::shared_ptr<const Body> TracedBody::vjp_body() const {
  const Graph& g = f_.graph();
  const size_t n = g.inputs().size();
  std::vector<TensorType> types;
  for (ValueId v : g.inputs()) types.push_back(g.value(v).type);
  for (ValueId v : g.outputs()) types.push_back(g.value(v).type);
  auto fn = [&](const std::vector<Tensor>& in) {
    std::vector<Tensor> x(in.begin(), in.begin() + static_cast<long>(n));
    std::vector<Tensor> seeds(in.begin() + static_cast<long>(n), in.end());
    return grad(replay(g, x), seeds, x, /*allow_unused=*/true);
  };
  return std::make_shared<TracedBody>(trace_typed(fn, types, g.symbols(), nullptr, nullptr));
}

// Note [Scan gradient]: one reverse step recomputes the forward step from (c_t, x_t, closed) by replaying the body,
// then takes the vector-Jacobian product of its outputs (c', y_t) with the incoming (g_c, g_y_t).
std::shared_ptr<const Body> TracedBody::scan_vjp_body(int k, int m, int p, bool history_grads) const {
  return std::make_shared<TracedBody>(scan_vjp_function(f_.graph(), k, m, p, history_grads));
}

Function scan_vjp_function(const Graph& g, int k, int m, int p, bool history_grads) {
  const auto K = static_cast<size_t>(k), M = static_cast<size_t>(m), P = static_cast<size_t>(p);
  const size_t q = g.outputs().size() - K, h = history_grads ? K : 0;
  auto in_type = [&](size_t i) { return g.value(g.inputs()[i]).type; };
  auto out_type = [&](size_t i) { return g.value(g.outputs()[i]).type; };
  std::vector<TensorType> types;  // g_c [k], acc [p], c_t [k], x_t [m], g_y [q], g_h [h], closed [p]
  for (size_t i = 0; i < K; ++i) types.push_back(in_type(i));
  for (size_t i = 0; i < P; ++i) types.push_back(in_type(K + M + i));
  for (size_t i = 0; i < K + M; ++i) types.push_back(in_type(i));
  for (size_t i = 0; i < q; ++i) types.push_back(out_type(K + i));
  for (size_t i = 0; i < h; ++i) types.push_back(in_type(i));
  for (size_t i = 0; i < P; ++i) types.push_back(in_type(K + M + i));
  auto step = [&](const std::vector<Tensor>& in) {
    std::vector<Tensor> body_in(in.begin() + static_cast<long>(K + P), in.begin() + static_cast<long>(2 * K + P + M));
    body_in.insert(body_in.end(), in.end() - static_cast<long>(P), in.end());
    std::vector<Tensor> outs = replay(g, body_in);
    std::vector<Tensor> seeds(in.begin(), in.begin() + static_cast<long>(K));
    seeds.insert(seeds.end(), in.begin() + static_cast<long>(2 * K + P + M),
                 in.begin() + static_cast<long>(2 * K + P + M + q));
    std::vector<Tensor> grads = grad(outs, seeds, body_in, /*allow_unused=*/true);  // c [k], x [m], closed [p]
    std::vector<Tensor> result(grads.begin(), grads.begin() + static_cast<long>(K));
    for (size_t i = 0; i < h; ++i) result[i] = result[i] + in[2 * K + P + M + q + i];
    for (size_t i = 0; i < P; ++i) result.push_back(in[K + i] + grads[K + M + i]);
    for (size_t i = 0; i < M; ++i) result.push_back(grads[K + i]);
    return result;
  };
  std::vector<Tensor> closures;
  Function f = trace_typed(step, types, g.symbols(), nullptr, &closures);
  check(closures.empty(), "scan: the gradient body read a tensor from outside the loop");
  return f;
}

const Graph* loop_body(const Node& n) {
  const auto* a = dynamic_cast<const ScanAttrs*>(n.attrs.get());
  const auto* b = a ? dynamic_cast<const TracedBody*>(a->body.get()) : nullptr;
  return b ? &b->function().graph() : nullptr;
}

}  // namespace tessera::graph
