#pragma once
// Private to the index family (ops/index*.cpp): its gradient rules and sample calls, kept apart from the shape
// rules in ops/index.cpp.
#include "tessera/ops/op.h"

namespace tessera::index_detail {

/// `d` with its gradient rule, samples and saved-tensor needs filled in from ops/index_grad.cpp (by name).
/// Ops with no rule there (nonzero, one_hot: not differentiable) come back unchanged.
OpDef with_grad(OpDef d);

}  // namespace tessera::index_detail
