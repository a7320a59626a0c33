#pragma once
// Gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_, PyTorch 1.13), applied between
// backward() and Optimizer::step().
#include <vector>

#include "tessera/core/tensor.h"

namespace tessera::optim {

/// Scales the gradients of `params` in place so that their total `norm_type` norm (the norm of the vector of
/// per-gradient norms: the norm of all gradients concatenated; `norm_type` may be infinity for the max-abs
/// norm) is at most `max_norm`: each gradient is multiplied by max_norm / (total + 1e-6) when that is below 1
/// (or NaN, which then propagates, as in PyTorch). Parameters without a gradient are skipped. Returns the total
/// norm before clipping (0 when no parameter has a gradient). Pascanu et al. 2013, "On the difficulty of
/// training recurrent neural networks". ValueError when `error_if_nonfinite` and the total norm is NaN or
/// infinite (gradients untouched then).
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

/// Clamps every gradient element of `params` into [-clip_value, clip_value] in place; parameters without a
/// gradient are skipped. ValueError for a negative clip_value.
void clip_grad_value_(const std::vector<Tensor>& params, double clip_value);

}  // namespace tessera::optim
