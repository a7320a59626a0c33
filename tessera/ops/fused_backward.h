#pragma once
// When a fused op's gradient rule may call its fused backward op (Notes [The fused LSTM], [The fused batch norm],
// [The fused layer norm]): the fused backward ops are not differentiable, so the rule writes the backward with
// tensor ops whenever its result could be differentiated again or is being traced.
#include <span>

#include "tessera/autograd/grad_mode.h"
#include "tessera/ops/op.h"

namespace tessera {

/// True in plain eager backward: grad mode is off (no create_graph) and no input or output gradient is symbolic
/// (graph mode).
inline bool use_fused_backward(const OpCall& c, std::span<const Tensor> grads) {
  if (is_grad_enabled()) return false;
  for (const Tensor& t : c.inputs) {
    if (t.is_symbolic()) return false;
  }
  for (const Tensor& t : grads) {
    if (t.is_symbolic()) return false;
  }
  return true;
}

}  // namespace tessera
