#pragma once
// Finite-difference checks of gradient rules (torch.autograd.gradcheck / gradgradcheck).
#include <functional>
#include <vector>

#include "tessera/core/tensor.h"

namespace tessera {

struct GradcheckOptions {
  double eps = 1e-6;   ///< Central-difference step.
  double atol = 1e-5;  ///< |analytic - numeric| <= atol + rtol * |numeric| for every Jacobian entry.
  double rtol = 1e-3;
};

using TensorFunction = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

/// Compares the Jacobian computed by backward (one pass per output element) with central differences, for every
/// input that requires grad. Inputs must be float64 (DTypeError otherwise) and must not overlap in memory
/// (expanded tensors); they may be non-contiguous. Throws Error naming the input, the output and the first entry
/// that differs; returns true when all match.
bool gradcheck(const TensorFunction& fn, const std::vector<Tensor>& inputs, const GradcheckOptions& options = {});

/// gradcheck of the gradient itself: checks d/dx of (v . dfn/dx) for a fixed random v, where the inner gradient
/// is computed with create_graph, so the gradient rules' own gradients are verified.
bool gradgradcheck(const TensorFunction& fn, const std::vector<Tensor>& inputs, const GradcheckOptions& options = {});

}  // namespace tessera
