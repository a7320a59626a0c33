#pragma once
// Parameter constraints (Keras' kernel_constraint): projections applied to a parameter after every optimizer
// step, registered with Optimizer::add_constraint. Any callable that rewrites the tensor in place works; the
// built-ins below cover the usual ones. They run without recording on the tape.
#include <cstdint>
#include <functional>

#include "tessera/core/tensor.h"

namespace tessera::optim {

/// Rewrites a parameter in place (e.g. with `p.copy_(...)`).
using Constraint = std::function<void(Tensor& param)>;

/// Scales each slice along `dim` (each row of a Linear [out, in] weight for dim 0, i.e. each unit's incoming
/// weights) whose L2 norm exceeds `max_value` down to norm `max_value`: w * max_value / (norm + 1e-7), exactly
/// torch.renorm(w, 2, dim, max_value). Max-norm regularisation (Srivastava et al. 2014, "Dropout: a simple way
/// to prevent neural networks from overfitting"). ValueError for a negative max_value; IndexError for a bad dim
/// when applied.
Constraint max_norm(double max_value, int64_t dim = 0);
/// Scales each slice along `dim` to unit L2 norm: w / max(norm, 1e-12) (zero slices stay zero).
Constraint unit_norm(int64_t dim = 0);
/// Clamps negative entries to 0 (Keras' NonNeg).
Constraint non_neg();

}  // namespace tessera::optim
