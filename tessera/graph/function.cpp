#include "tessera/graph/function.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "tessera/graph/random_nodes.h"
#include "tessera/graph/rethrow.h"
#include "tessera/graph/traced_body.h"
#include "tessera/ops/interpreter.h"

namespace tessera::graph {

struct Function::Plan {
  std::vector<NodeId> nodes;   // to run, in graph order
  std::vector<char> random;    // per planned node: draws a fresh stream on every run (decided once here)
  std::vector<ValueId> bound;  // captures and constants the nodes read
  std::vector<int> last_use;   // per value: index in `nodes` of its last reader, -1 if none
  std::vector<char> keep;      // per value: fetched or fed (never freed)
  uint32_t symbols_used = 0;   // symbols the run must bind
  std::mutex mutex;            // guards `resolved`
  std::map<Bindings, std::vector<std::shared_ptr<const Attrs>>> resolved;  // attrs per bound sizes
};

struct Function::Cache {
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<Plan>> plans;
};

namespace {

// A value inside a loop body exists once per step, not as one value of the graph: fetching it is an error that
// says so (fetch a loop output, or return the value as a y of the body).
void check_not_in_body(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes()) {
    const Graph* body = loop_body(n);
    if (!body) continue;
    const Graph& inner = *body;
    check<KeyError>(!inner.find(name), "Function::run: '", name, "' is a value inside the body of loop '", n.name,
                    "', computed once per step; return it from the body as an output to fetch it");
    check_not_in_body(inner, name);
  }
}

}  // namespace

Function::Function(Graph g) : graph_(std::move(g)), cache_(std::make_shared<Cache>()) {}

std::vector<std::string> Function::input_names() const {
  std::vector<std::string> names;
  for (ValueId v : graph_.inputs()) names.push_back(graph_.value(v).name);
  return names;
}

std::vector<std::string> Function::output_names() const {
  std::vector<std::string> names;
  for (ValueId v : graph_.outputs()) names.push_back(graph_.value(v).name);
  return names;
}

std::vector<Tensor> Function::operator()(const std::vector<Tensor>& inputs) const {
  check<ValueError>(inputs.size() == graph_.inputs().size(), "Function: expected ", graph_.inputs().size(),
                    " inputs, got ", inputs.size());
  std::vector<std::pair<ValueId, Tensor>> feeds;
  for (size_t i = 0; i < inputs.size(); ++i) feeds.emplace_back(graph_.inputs()[i], inputs[i]);
  return run_ids(feeds, graph_.outputs(), /*updates=*/true);
}

std::vector<Tensor> Function::run(const Feeds& feeds, const std::vector<std::string>& fetches,
                                  const RunOptions& options) const {
  std::vector<std::pair<ValueId, Tensor>> fed;
  for (const auto& [name, t] : feeds) {
    check<ValueError>(t.defined() && !t.is_symbolic(), "Function::run: feed '", name, "' is not a concrete tensor");
    fed.emplace_back(graph_.lookup(name, "Function::run: feed"), t);
  }
  std::vector<ValueId> ids;
  for (const std::string& name : fetches) {
    if (!graph_.find(name)) check_not_in_body(graph_, name);
    ids.push_back(graph_.lookup(name, "Function::run: fetch"));
  }
  return run_ids(fed, ids, options.updates);
}

std::shared_ptr<Function::Plan> Function::plan_for(const std::vector<std::pair<ValueId, Tensor>>& feeds,
                                                   const std::vector<ValueId>& fetches, bool updates) const {
  std::string key = updates ? "u|" : "|";
  for (const auto& f : feeds) key += cat(f.first, ",");
  key += "|";
  for (ValueId v : fetches) key += cat(v, ",");
  std::lock_guard lock(cache_->mutex);
  if (auto it = cache_->plans.find(key); it != cache_->plans.end()) return it->second;

  const size_t nv = graph_.values().size();
  auto plan = std::make_shared<Plan>();
  plan->keep.assign(nv, 0);
  plan->last_use.assign(nv, -1);
  for (const auto& f : feeds) plan->keep[static_cast<size_t>(f.first)] = 1;
  for (ValueId v : fetches) plan->keep[static_cast<size_t>(v)] = 1;

  // Walk back from the fetches (and the updates) to fed values, captures, constants and inputs.
  std::vector<char> needed_node(graph_.num_nodes(), 0), seen(nv, 0);
  std::vector<ValueId> stack(fetches.begin(), fetches.end());
  if (updates) {
    for (const Node& n : graph_.nodes()) {
      if (n.side_effect) stack.insert(stack.end(), n.outputs.begin(), n.outputs.end());
    }
  }
  while (!stack.empty()) {
    ValueId v = stack.back();
    stack.pop_back();
    if (seen[static_cast<size_t>(v)]) continue;
    seen[static_cast<size_t>(v)] = 1;
    if (plan->keep[static_cast<size_t>(v)] &&
        std::any_of(feeds.begin(), feeds.end(), [&](const auto& f) { return f.first == v; }))
      continue;  // fed: its producers are not needed
    const Value& val = graph_.value(v);
    switch (val.kind) {
      case ValueKind::kInput:
        throw ValueError(cat("Function::run: input '", val.name, "' is needed to compute the fetches",
                             updates ? " (or the graph's updates; run with updates=false to skip them)" : "",
                             " but was not fed"));
      case ValueKind::kCapture:
      case ValueKind::kConstant:
        plan->bound.push_back(v);
        break;
      case ValueKind::kNodeOutput: {
        const Node& n = graph_.node(val.node);
        if (!needed_node[static_cast<size_t>(n.id)]) {
          needed_node[static_cast<size_t>(n.id)] = 1;
          stack.insert(stack.end(), n.inputs.begin(), n.inputs.end());
        }
        break;
      }
    }
  }
  for (const Node& n : graph_.nodes()) {
    if (!needed_node[static_cast<size_t>(n.id)]) continue;
    const int index = static_cast<int>(plan->nodes.size());
    plan->nodes.push_back(n.id);
    plan->random.push_back(is_random_attrs(*n.attrs) ? 1 : 0);
    for (ValueId in : n.inputs) plan->last_use[static_cast<size_t>(in)] = index;
    plan->symbols_used |= symbol_mask(graph_.symbols(), *n.attrs);
    for (ValueId o : n.outputs) plan->symbols_used |= symbol_mask(graph_.symbols(), graph_.value(o).type.shape);
  }
  cache_->plans.emplace(std::move(key), plan);
  return plan;
}

std::vector<Tensor> Function::run_ids(const std::vector<std::pair<ValueId, Tensor>>& feeds,
                                      const std::vector<ValueId>& fetches, bool updates) const {
  std::shared_ptr<Plan> plan = plan_for(feeds, fetches, updates);
  const auto& symbols = graph_.symbols();
  std::vector<Tensor> env(graph_.values().size());
  Bindings sizes(symbols.size(), -1);
  for (const auto& [id, t] : feeds) {
    const Value& v = graph_.value(id);
    check<DTypeError>(t.dtype() == v.type.dtype, "Function::run: feed '", v.name, "' expects dtype ", v.type.dtype,
                      ", got ", t.dtype());
    bind_shape(symbols, v.type.shape, t.shape(), sizes, cat("Function::run: feed '", v.name, "'"));
    env[static_cast<size_t>(id)] = t;
  }
  for (size_t k = 0; k < symbols.size(); ++k) {
    check<ValueError>(!(plan->symbols_used >> k & 1u) || sizes[k] >= 0, "Function::run: the size of dynamic dim '",
                      symbols[k].name, "' is unknown: feed a value that has it");
  }
  for (ValueId v : plan->bound) env[static_cast<size_t>(v)] = graph_.value(v).tensor;

  const std::vector<std::shared_ptr<const Attrs>>* attrs = nullptr;
  {
    std::lock_guard lock(plan->mutex);
    auto [it, inserted] = plan->resolved.try_emplace(sizes);
    if (inserted) {
      for (NodeId id : plan->nodes) it->second.push_back(resolve_attrs(symbols, sizes, graph_.node(id).attrs));
    }
    attrs = &it->second;
  }

  std::vector<Tensor> inputs;
  std::vector<TensorType> in_types;
  for (size_t i = 0; i < plan->nodes.size(); ++i) {
    const Node& n = graph_.node(plan->nodes[i]);
    inputs.clear();
    in_types.clear();
    for (ValueId v : n.inputs) {
      inputs.push_back(env[static_cast<size_t>(v)]);
      in_types.push_back(type_of(inputs.back()));
    }
    std::vector<Tensor> outs;
    try {
      std::shared_ptr<const Attrs> a = (*attrs)[i];
      std::vector<TensorType> out_types = n.def->infer(in_types, *a);
      if (plan->random[i]) a = with_fresh_stream(a, out_types.at(0));
      outs = run_kernel(*n.def, inputs, *a, out_types);
    } catch (const Error&) {
      rethrow_with_prefix(cat("graph node '", n.name, "' (", n.def->name, "): "));
    }
    for (size_t k = 0; k < outs.size(); ++k) env[static_cast<size_t>(n.outputs[k])] = std::move(outs[k]);
    // Drop what no later node reads, so intermediate buffers are freed as early as eager code frees them.
    for (ValueId v : n.inputs) {
      const auto u = static_cast<size_t>(v);
      if (plan->last_use[u] == static_cast<int>(i) && !plan->keep[u]) env[u] = Tensor();
    }
  }
  std::vector<Tensor> results;
  for (ValueId v : fetches) results.push_back(env[static_cast<size_t>(v)]);
  return results;
}

}  // namespace tessera::graph
