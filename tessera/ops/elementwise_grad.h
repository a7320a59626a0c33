// Gradient rules and gradient-check samples of the unary, binary and where ops (elementwise_grad.cpp), looked up
// by op name when the families register their ops.
#pragma once

#include <string_view>

#include "tessera/ops/op.h"

namespace tessera::elementwise_grad {

/// The gradient fields of an OpDef; an empty GradSpec (vjp null) leaves an op without a rule.
struct GradSpec {
  VjpFn vjp = nullptr;
  bool needs_inputs = true;
  bool needs_outputs = true;
  SampleFn samples = nullptr;
};

/// The rule of the elementwise op `name` (unary, binary, pow_scalar, clamp or where); empty when it has none.
GradSpec find(std::string_view name);

/// `d` with the gradient fields of its op's rule filled in.
OpDef with_grad(OpDef d);

}  // namespace tessera::elementwise_grad

namespace tessera {

/// Attributes of `threshold_backward`.
struct ThresholdBackwardAttrs final : AttrsOf<ThresholdBackwardAttrs> {
  double threshold = 0.0;
  std::string repr() const override;
};

/// The gradient of relu-like ops in one pass: grad_output where self > threshold, 0 where self <= threshold (NaN
/// passes the gradient), as aten's threshold_backward. grad_output and self broadcast; floating dtypes only
/// (DTypeError otherwise), ShapeError naming both shapes when they do not broadcast. Its own gradient is
/// threshold_backward(g, self, threshold) for grad_output and zero for self.
Tensor threshold_backward(const Tensor& grad_output, const Tensor& self, double threshold);

}  // namespace tessera

namespace tessera::elementwise_grad {}  // namespace tessera::elementwise_grad
