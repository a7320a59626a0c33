#pragma once
// Deterministic float64 values for the ops' sample calls (OpSample in op.h), shared by the op definitions.
#include "tessera/ops/creation.h"
#include "tessera/ops/unary.h"

namespace tessera {

/// sin(scale i + offset) for the flat index i, in `shape`, float64: smooth, signed, no two neighbours equal.
inline Tensor sample_ramp(Shape shape, double scale, double offset = 0.0) {
  const int64_t n = numel(shape);
  return (arange(n, kFloat64) * scale + offset).sin().reshape(std::move(shape));
}

}  // namespace tessera
