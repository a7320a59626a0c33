#pragma once
// TracedBody: a loop body (ops/control_flow.h's Body) made of a traced graph, and replay(), which runs a graph's
// nodes through apply() so that, under a tracer, they are inlined into the graph being traced.
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "tessera/graph/function.h"
#include "tessera/ops/control_flow.h"

namespace tessera::graph {

class Tracer;

/// Runs the nodes of `g` on `inputs` (one per graph input) through apply(): eagerly it computes (and autograd
/// records); while tracing it appends copies of the nodes to the current graph. Returns the graph's outputs.
std::vector<Tensor> replay(const Graph& g, std::span<const Tensor> inputs);
/// replay() in two parts: the values of `g` with its inputs, captures and constants set, then running nodes
/// [first_node, end) on them (a partial replay starts from values filled in by the caller).
std::vector<Tensor> initial_env(const Graph& g, std::span<const Tensor> inputs);
void replay_nodes(const Graph& g, std::vector<Tensor>& env, size_t first_node);

/// The graph of one reverse scan step for a body graph `g` (Note [Scan gradient]; layout in Body::scan_vjp_body).
/// It starts by replaying g's nodes, in order: its first g.num_nodes() nodes are the forward step.
Function scan_vjp_function(const Graph& g, int k, int m, int p, bool history_grads);

/// Traces `fn` into a Function whose inputs have exactly `types` (sizes may hold `symbols`' sentinels) under
/// `parent` (may be null); outer tensors the function reads become extra trailing inputs, returned in `closures`.
Function trace_typed(const std::function<std::vector<Tensor>(const std::vector<Tensor>&)>& fn,
                     const std::vector<TensorType>& types, const std::vector<Symbol>& symbols, Tracer* parent,
                     std::vector<Tensor>* closures);

class TracedBody final : public Body {
 public:
  explicit TracedBody(Function f) : f_(std::move(f)) {}
  size_t num_inputs() const override { return f_.graph().inputs().size(); }
  size_t num_outputs() const override { return f_.graph().outputs().size(); }
  std::vector<TensorType> output_types(std::span<const TensorType> inputs, const char* op) const override;
  std::vector<Tensor> run(std::span<const Tensor> inputs) const override;
  std::shared_ptr<const Body> scan_vjp_body(int k, int m, int p, bool history_grads) const override;
  std::shared_ptr<const Body> vjp_body() const override;
  std::string repr() const override;
  const Function& function() const { return f_; }

 private:
  Function f_;
};

/// The traced body of a scan node, or null for any other node (printing and fetch checks look inside loops).
const Graph* loop_body(const Node& n);

}  // namespace tessera::graph
