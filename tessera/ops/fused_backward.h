#pragma once
// When a fused op's gradient rule may call its fused backward op (Notes [The fused LSTM], [The fused batch norm],
// [The fused layer norm]): the fused backward ops are not differentiable, so the rule writes the backward with
// tensor ops whenever its result could be differentiated again or is being traced.
#include <span>

#include "tessera/autograd/grad_mode.h"
#include "tessera/ops/op.h"

namespace tessera {

/// True in plain eager backward: grad mode is off (no create_graph) and no input, output or output gradient is
/// symbolic (graph mode).
inline bool use_fused_backward(const OpCall& c, std::span<const Tensor> grads) {
  if (is_grad_enabled()) return false;
  for (const auto* group : {&c.inputs, &c.outputs}) {
    for (const Tensor& t : *group) {
      if (t.is_symbolic()) return false;
    }
  }
  for (const Tensor& t : grads) {
    if (t.is_symbolic()) return false;
  }
  return true;
}

/// use_fused_backward for fused backward ops that take the first output's gradient only (the normalizations:
/// gradients reaching their statistics outputs come from second-order differentiation): also false when that
/// gradient is missing or another output has one.
inline bool use_fused_backward_of_first_output(const OpCall& c, std::span<const Tensor> grads) {
  if (grads.empty() || !grads[0].defined()) return false;
  for (size_t i = 1; i < grads.size(); ++i) {
    if (grads[i].defined()) return false;
  }
  return use_fused_backward(c, grads);
}

}  // namespace tessera
