#pragma once
// Backward: runs the recorded gradient rules from some outputs back to the leaves (or to chosen inputs).
#include <vector>

#include "tessera/core/tensor.h"

namespace tessera {

/// Gradients of `outputs` (weighted by `grad_outputs`, which may be empty for scalar outputs) with respect to
/// `inputs`, like torch.autograd.grad. Does not touch any .grad. With create_graph the result is itself
/// recorded, so it can be differentiated again (higher-order gradients). An input the outputs do not depend on
/// is an Error unless allow_unused, when its gradient is an undefined Tensor. The graph is freed unless
/// retain_graph (default: create_graph).
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, std::optional<bool> retain_graph = {},
                         bool create_graph = false, bool allow_unused = false);

/// Accumulates gradients of `outputs` into the .grad of every leaf they depend on (torch.autograd.backward).
void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs = {},
              std::optional<bool> retain_graph = {}, bool create_graph = false);

}  // namespace tessera
