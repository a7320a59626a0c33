#pragma once
// A shape rule's check shared by the fused ops (lstm_sequence, batch_norm_training, layer_norm, their backwards).
#include <span>

#include "tessera/core/error.h"
#include "tessera/ops/op.h"

namespace tessera {

/// Throws DTypeError naming `op` unless all operands have one dtype, float32 or float64.
inline void check_float_operands(const char* op, std::span<const TensorType> in) {
  for (const TensorType& t : in) {
    check<DTypeError>(t.dtype == in[0].dtype, op, ": expected operands of one dtype, got ", in[0].dtype, " and ",
                      t.dtype);
  }
  check<DTypeError>(in[0].dtype == kFloat32 || in[0].dtype == kFloat64, op, ": expected float32 or float64, got ",
                    in[0].dtype);
}

}  // namespace tessera
