#pragma once
// apply(): the single choke point every op call goes through (../../DESIGN.md).
#include <initializer_list>
#include <span>
#include <vector>

#include "tessera/ops/op.h"

namespace tessera {

/// Validates the call with the op's shape rule, then hands it to the current interpreter.
std::vector<Tensor> apply(const OpDef& def, std::span<const Tensor> inputs, const Attrs& attrs);
/// apply() for ops with one output.
Tensor apply1(const OpDef& def, std::span<const Tensor> inputs, const Attrs& attrs);
inline Tensor apply1(const OpDef& def, std::initializer_list<Tensor> inputs, const Attrs& attrs = NoAttrs{}) {
  return apply1(def, std::span<const Tensor>(inputs.begin(), inputs.size()), attrs);
}
inline std::vector<Tensor> apply(const OpDef& def, std::initializer_list<Tensor> inputs,
                                 const Attrs& attrs = NoAttrs{}) {
  return apply(def, std::span<const Tensor>(inputs.begin(), inputs.size()), attrs);
}

}  // namespace tessera
