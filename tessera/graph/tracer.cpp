#include "tessera/graph/tracer.h"

#include <atomic>

#include "tessera/graph/name_scope.h"
#include "tessera/graph/rethrow.h"

namespace tessera::graph {
namespace {

thread_local Tracer* g_tracer = nullptr;
std::atomic<uint64_t> g_next_trace_id{1};

}  // namespace

Tracer* current_tracer() { return g_tracer; }

Tracer::Tracer(Graph& g, Tracer* parent) : graph_(g), id_(g_next_trace_id.fetch_add(1)), parent_(parent) {}

TracingGuard::TracingGuard(Tracer& tracer) : previous_(g_tracer), interp_(tracer) { g_tracer = &tracer; }
TracingGuard::~TracingGuard() { g_tracer = previous_; }

Tensor Tracer::symbolic(ValueId id) const {
  const Value& v = graph_.value(id);
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = v.type.shape;
  impl->strides = contiguous_strides(v.type.shape);
  impl->dtype = v.type.dtype;
  impl->device = v.type.device;
  impl->symbolic = std::make_shared<SymbolicInfo>(SymbolicInfo{id_, id});
  return Tensor(std::move(impl));
}

bool Tracer::owns(const Tensor& t) const {
  for (const Tracer* tr = this; tr; tr = tr->parent_) {
    if (t.impl().symbolic->trace == tr->id_) return true;
  }
  return false;
}

ValueId Tracer::value_of(const Tensor& t) {
  if (t.is_symbolic()) {
    const SymbolicInfo& s = *t.impl().symbolic;
    if (s.trace == id_) return s.value;
    check(parent_ && owns(t),
          "trace: a symbolic tensor of another graph was used (tensors from one trace cannot "
          "be used in another; pass them as inputs)");
    return close_over(t);
  }
  if (auto it = current_.find(&t.impl()); it != current_.end()) return it->second;
  return original_capture(t);
}

ValueId Tracer::close_over(const Tensor& t) {
  const void* key = t.is_symbolic() ? static_cast<const void*>(t.impl().symbolic.get()) : &t.impl();
  if (auto it = closure_ids_.find(key); it != closure_ids_.end()) return it->second;
  const ValueId id = graph_.add_input(graph_.unique_name("closure"), type_of(t));
  closure_ids_.emplace(key, id);
  closures_.push_back(t);
  return id;
}

ValueId Tracer::original_capture(const Tensor& t) {
  check<ValueError>(!t.is_symbolic(), "trace: expected a concrete tensor");
  if (parent_) return close_over(t);  // a loop body reads outer tensors as inputs of its node
  if (auto it = original_.find(&t.impl()); it != original_.end()) return it->second;
  auto named = capture_names_.find(&t.impl());
  std::string base = named != capture_names_.end() ? named->second : "capture";
  ValueId id = graph_.add_capture(graph_.unique_name(base), t);
  original_.emplace(&t.impl(), id);
  current_.emplace(&t.impl(), id);
  return id;
}

void Tracer::name_capture(const Tensor& t, std::string name) { capture_names_[&t.impl()] = std::move(name); }

void Tracer::rethrow_infer_error(const OpDef& def) {
  rethrow_with_prefix(cat("while tracing '", graph_.unique_name(scoped_name(def.name)), "': "));
}

std::vector<Tensor> Tracer::process(const OpDef& def, std::span<const Tensor> inputs, const Attrs& attrs,
                                    std::vector<TensorType> out_types) {
  std::vector<ValueId> ins;
  ins.reserve(inputs.size());
  for (const Tensor& t : inputs) ins.push_back(value_of(t));
  if (def.inplace && parent_) {
    bool outer = false;
    for (const auto& [key, id] : closure_ids_) outer = outer || id == ins[0];
    check<NotImplementedError>(!outer, def.name, ": a loop body cannot update a tensor from outside the loop in ",
                               "place; return the new value as a carry instead");
  }
  // An in-place op on a concrete tensor (an optimizer's update of a parameter, a running mean) writes that
  // tensor when the graph runs: a side effect, kept even when no fetch needs it.
  const bool writes_capture = def.inplace && !inputs[0].is_symbolic();
  const std::string name = graph_.unique_name(scoped_name(def.name));
  const NodeId id = graph_.add_node(def, std::shared_ptr<const Attrs>(attrs.clone()), std::move(ins), out_types, name,
                                    writes_capture);
  const Node& node = graph_.node(id);
  std::vector<Tensor> outs;
  outs.reserve(node.outputs.size());
  for (ValueId v : node.outputs) outs.push_back(symbolic(v));
  if (def.inplace) {
    // Later reads of the modified tensor see the node's output, as they would see the new contents eagerly.
    if (writes_capture) {
      current_[&inputs[0].impl()] = node.outputs[0];
    } else {
      inputs[0].impl().symbolic = outs[0].impl().symbolic;
    }
    outs[0] = inputs[0];
  }
  return outs;
}

}  // namespace tessera::graph
