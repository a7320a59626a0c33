#include "tessera/autograd/recorder.h"

#include <execinfo.h>

#include <cmath>

#include "tessera/autograd/grad_mode.h"
#include "tessera/autograd/node.h"
#include "tessera/core/dtype_dispatch.h"

namespace tessera::autograd {

void ensure_recording() {
  static Recorder recorder;
  set_default_interpreter(&recorder);
}

std::string capture_trace() {
  void* frames[24];
  int n = backtrace(frames, 24);
  char** symbols = backtrace_symbols(frames, n);
  std::string s;
  for (int i = 2; i < n && symbols; ++i) s += cat("\n    ", symbols[i]);
  std::free(symbols);
  return s;
}

void check_finite(const Tensor& t, const std::string& op, const char* phase, const std::string& where) {
  if (!t.defined() || !t.is_floating_point() || t.is_symbolic()) return;
  Tensor c = t.contiguous();
  bool bad = visit_dtype(c.dtype(), [&]<class T>() {
    if constexpr (std::is_same_v<T, bool> || std::is_integral_v<T>) {
      return false;
    } else {
      const T* p = c.data_ptr<T>();
      for (int64_t i = 0; i < c.numel(); ++i) {
        if (!std::isfinite(static_cast<double>(p[i]))) return true;
      }
      return false;
    }
  });
  if (bad) {
    throw Error(cat("anomaly: '", op, "' produced NaN or Inf in its ", phase, " (shape ", shape_str(t.shape()), ")",
                    where.empty() ? "" : "; the op was called at:", where));
  }
}

std::vector<Tensor> Recorder::process(const OpDef& def, std::span<const Tensor> inputs, const Attrs& attrs,
                                      std::vector<TensorType> out_types) {
  if (def.inplace && is_grad_enabled() && inputs[0].requires_grad() && inputs[0].is_leaf()) {
    throw Error(cat(def.name, ": a leaf tensor that requires grad is being used in an in-place operation"));
  }
  std::vector<Tensor> outputs = run_kernel(def, inputs, attrs, out_types);
  if (!is_grad_enabled() || !def.differentiable()) return outputs;
  bool needs_grad = false;
  for (const Tensor& t : inputs) {
    const auto& m = t.impl().autograd;
    needs_grad = needs_grad || (m && m->requires_grad);
  }
  if (!needs_grad) return outputs;

  auto node = std::make_shared<Node>(def, attrs);
  const bool anomaly = is_anomaly_enabled();
  if (anomaly) {
    node->creation_trace = capture_trace();
    for (const Tensor& o : outputs) check_finite(o, def.name, "forward output", node->creation_trace);
  }
  node->next.reserve(inputs.size());
  const size_t read = def.vjp_inputs_read < 0 ? inputs.size() : static_cast<size_t>(def.vjp_inputs_read);
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& t = inputs[i];
    node->next.push_back(gradient_edge(t));
    node->input_types.push_back(type_of(t));
    if (def.vjp_needs_inputs && i < read) node->saved_inputs.push_back({t, t.storage() ? t.storage()->version() : 0});
  }
  node->output_types = std::move(out_types);
  for (size_t i = 0; i < outputs.size(); ++i) {
    Tensor& o = outputs[i];
    for (const Tensor& t : inputs) {
      if (o.is_same(t)) o = Tensor(std::make_shared<TensorImpl>(t.impl()));  // never re-label an input
    }
    if (def.vjp_needs_outputs) {
      // A detached alias: the node keeps the data, not the autograd identity (that would be a cycle).
      auto alias = std::make_shared<TensorImpl>(o.impl());
      alias->autograd.reset();
      node->saved_outputs.push_back({Tensor(std::move(alias)), o.storage() ? o.storage()->version() : 0});
    }
    if (!o.is_floating_point()) {  // integer outputs (indices) never require grad
      node->output_metas.emplace_back();
      continue;
    }
    auto meta = std::make_shared<AutogradMeta>();
    meta->requires_grad = true;
    meta->grad_fn = node;
    meta->output_nr = static_cast<int>(i);
    o.impl().autograd = meta;
    node->output_metas.push_back(meta);
  }
  // In place: the modified tensor now has this op as its history (its old history feeds the op's input 0).
  if (def.inplace) inputs[0].impl().autograd = outputs[0].impl().autograd;
  return outputs;
}

}  // namespace tessera::autograd
