#pragma once
// Symbolic differentiation: gradients built as more nodes of the graph, from the same gradient rules (vjp) the
// eager tape runs (../../DESIGN.md: "the same rule serves the eager tape and symbolic differentiation").
#include <string>
#include <vector>

#include "tessera/graph/function.h"

namespace tessera::graph {

/// While tracing: the gradients of `output` with respect to each of `wrt` (symbolic tensors of the trace, or
/// concrete tensors it reads, such as parameters), as symbolic tensors. `output` must have one element unless
/// `grad_output` (its shape) is given. Like torch.autograd.grad: an input `output` does not depend on is an
/// Error unless allow_unused, when its gradient is zeros. Error when not tracing.
std::vector<Tensor> grad(const Tensor& output, const std::vector<Tensor>& wrt, const Tensor& grad_output = {},
                         bool allow_unused = false);

/// While tracing: the gradients of several outputs, each weighted by its seed (an undefined seed contributes
/// nothing), with respect to `wrt` (vector-Jacobian products of several outputs at once).
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& seeds,
                         const std::vector<Tensor>& wrt, bool allow_unused = false);

/// A Function computing f's outputs and then the gradient of the output named `output` (one element) with
/// respect to each value named in `wrt` (inputs, captures or intermediates), named "grad/<wrt name>".
/// KeyError for an unknown name.
Function gradients(const Function& f, const std::string& output, const std::vector<std::string>& wrt);

}  // namespace tessera::graph
