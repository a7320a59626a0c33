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
