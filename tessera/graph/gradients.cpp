#include "tessera/graph/gradients.h"

#include <optional>

#include "tessera/graph/tracer.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/reduce.h"

namespace tessera::graph {
namespace {

Tensor accumulate(const Tensor& a, const Tensor& b) { return a.defined() ? a + b : b; }

// Reverse-mode differentiation over the nodes traced so far: each node's rule runs on symbolic tensors, so the
// tracer appends the gradient computation to the same graph.
std::vector<Tensor> symbolic_grad(Tracer& tracer, const std::vector<ValueId>& outputs, const std::vector<Tensor>& seeds,
                                  const std::vector<ValueId>& wrt, bool allow_unused) {
  Graph& g = tracer.graph();
  const size_t nv = g.values().size();
  const auto num_nodes = static_cast<NodeId>(g.num_nodes());
  // Only nodes between the wrt values and the output run their rule.
  std::vector<char> depends(nv, 0), reaches(nv, 0);
  for (ValueId v : wrt) depends[static_cast<size_t>(v)] = 1;
  for (NodeId i = 0; i < num_nodes; ++i) {
    const Node& n = g.node(i);
    bool any = false;
    for (ValueId in : n.inputs) any = any || depends[static_cast<size_t>(in)];
    if (any) {
      for (ValueId o : n.outputs) depends[static_cast<size_t>(o)] = 1;
    }
  }
  for (ValueId o : outputs) reaches[static_cast<size_t>(o)] = 1;
  for (NodeId i = num_nodes - 1; i >= 0; --i) {
    const Node& n = g.node(i);
    bool any = false;
    for (ValueId o : n.outputs) any = any || reaches[static_cast<size_t>(o)];
    if (any) {
      for (ValueId in : n.inputs) reaches[static_cast<size_t>(in)] = 1;
    }
  }

  std::vector<Tensor> grads(nv);
  for (size_t i = 0; i < outputs.size(); ++i) {
    auto& g = grads[static_cast<size_t>(outputs[i])];
    if (seeds[i].defined()) g = accumulate(g, seeds[i]);
  }
  for (NodeId i = num_nodes - 1; i >= 0; --i) {
    // Copy what is needed: the rule appends nodes, which may move the graph's storage.
    const Node n = g.node(i);
    if (!n.def->differentiable() || n.side_effect || !n.def->vjp) continue;
    bool wanted = false, has_grad = false;
    for (ValueId in : n.inputs) wanted = wanted || depends[static_cast<size_t>(in)];
    for (ValueId o : n.outputs) has_grad = has_grad || grads[static_cast<size_t>(o)].defined();
    if (!wanted || !has_grad) continue;
    std::vector<Tensor> ins, outs, gouts;
    std::vector<TensorType> in_types, out_types;
    for (ValueId v : n.inputs) {
      ins.push_back(tracer.symbolic(v));
      in_types.push_back(g.value(v).type);
    }
    for (ValueId v : n.outputs) {
      outs.push_back(tracer.symbolic(v));
      out_types.push_back(g.value(v).type);
      gouts.push_back(grads[static_cast<size_t>(v)]);
    }
    OpCall call{*n.def, ins, *n.attrs, outs, in_types, out_types};
    std::vector<Tensor> in_grads = n.def->vjp(call, gouts);
    check(in_grads.size() == n.inputs.size(), "grad: the gradient rule of '", n.def->name, "' returned ",
          in_grads.size(), " gradients for ", n.inputs.size(), " inputs");
    for (size_t k = 0; k < in_grads.size(); ++k) {
      Tensor gk = in_grads[k];
      const auto v = static_cast<size_t>(n.inputs[k]);
      if (!gk.defined() || !depends[v] || !is_floating_point(in_types[k].dtype)) continue;
      gk = sum_to(gk, in_types[k].shape);
      if (gk.dtype() != in_types[k].dtype) gk = gk.to(in_types[k].dtype);
      grads[v] = accumulate(grads[v], gk);
    }
  }
  std::vector<Tensor> result;
  for (size_t i = 0; i < wrt.size(); ++i) {
    Tensor r = grads[static_cast<size_t>(wrt[i])];
    if (!r.defined()) {
      check(allow_unused, "grad: input ", i, " ('", g.value(wrt[i]).name, "') was not used to compute the output ",
            "(pass allow_unused=true to get zeros)");
      r = zeros(g.value(wrt[i]).type.shape,
                TensorOptions(g.value(wrt[i]).type.dtype).device(g.value(wrt[i]).type.device));
    }
    result.push_back(r);
  }
  return result;
}

Tensor default_seed(const Graph& g, ValueId output, const Tensor& grad_output, const char* op) {
  const TensorType& t = g.value(output).type;
  if (grad_output.defined()) {
    check<ShapeError>(grad_output.shape() == t.shape, op, ": gradient of shape ", shape_str(grad_output.shape()),
                      " does not match the output's shape ", shape_str(t.shape));
    return grad_output;
  }
  check<ValueError>(numel(t.shape) == 1, op, ": a gradient must be given for output '", g.value(output).name,
                    "' of shape ", shape_str(t.shape), " (implicit only for one-element outputs)");
  return ones(t.shape, TensorOptions(t.dtype).device(t.device));
}

}  // namespace

std::vector<Tensor> grad(const Tensor& output, const std::vector<Tensor>& wrt, const Tensor& grad_output,
                         bool allow_unused) {
  Tracer* tracer = current_tracer();
  check(tracer != nullptr, "graph::grad: only while tracing (use tessera::grad or backward() eagerly)");
  check<ValueError>(output.defined(), "graph::grad: the output is undefined");
  const ValueId out = tracer->value_of(output);
  std::vector<ValueId> ids;
  for (const Tensor& t : wrt) ids.push_back(t.is_symbolic() ? tracer->value_of(t) : tracer->original_capture(t));
  Tensor seed = default_seed(tracer->graph(), out, grad_output, "graph::grad");
  return symbolic_grad(*tracer, {out}, {seed}, ids, allow_unused);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& seeds,
                         const std::vector<Tensor>& wrt, bool allow_unused) {
  Tracer* tracer = current_tracer();
  check(tracer != nullptr, "graph::grad: only while tracing (use tessera::grad or backward() eagerly)");
  check<ValueError>(outputs.size() == seeds.size(), "graph::grad: ", outputs.size(), " outputs but ", seeds.size(),
                    " seeds");
  std::vector<ValueId> outs, ids;
  for (const Tensor& o : outputs) outs.push_back(tracer->value_of(o));
  for (const Tensor& t : wrt) ids.push_back(t.is_symbolic() ? tracer->value_of(t) : tracer->original_capture(t));
  return symbolic_grad(*tracer, outs, seeds, ids, allow_unused);
}

Function gradients(const Function& f, const std::string& output, const std::vector<std::string>& wrt) {
  Graph g = f.graph();
  const ValueId out = g.lookup(output, "gradients: output");
  std::vector<ValueId> ids;
  for (const std::string& w : wrt) ids.push_back(g.lookup(w, "gradients: wrt"));
  Tracer tracer(g);
  std::vector<Tensor> grads;
  {
    TracingGuard guard(tracer);
    grads = symbolic_grad(tracer, {out}, {default_seed(g, out, {}, "gradients")}, ids, /*allow_unused=*/true);
  }
  std::vector<ValueId> outs = g.outputs();
  for (size_t i = 0; i < grads.size(); ++i) {
    ValueId v = tracer.value_of(grads[i]);
    g.rename(v, g.unique_name("grad/" + wrt[i]));
    outs.push_back(v);
  }
  g.set_outputs(std::move(outs));
  return Function(std::move(g));
}

}  // namespace tessera::graph
