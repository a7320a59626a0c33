#pragma once
// scan: the symbolic loop (Theano's scan, JAX's lax.scan), in eager and graph mode (../../DESIGN.md, "Key types").
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "tessera/core/tensor.h"

namespace tessera {

/// body(carry, x_t) -> (new carry, y_t). Carries keep their shapes and dtypes from step to step.
using ScanBody = std::function<std::pair<std::vector<Tensor>, std::vector<Tensor>>(const std::vector<Tensor>& carry,
                                                                                   const std::vector<Tensor>& x)>;

struct ScanOptions {
  std::optional<int64_t> length{};  ///< Steps; required when there are no sequences, else their leading size.
  bool reverse = false;             ///< Run from the last step to the first (ys stay in sequence order).
  /// Graph mode: save only the carries and recompute each step's forward in the backward pass (less memory, one
  /// more forward). Off: the values each step's gradient needs are saved (Note [Scan residuals]).
  bool checkpoint = false;
};

struct ScanResult {
  std::vector<Tensor> carry;  ///< The carries after the last step.
  std::vector<Tensor> ys;     ///< Each y_t stacked along a new leading dim: [length, ...].
};

/// Loops `body` over the leading axis of `xs` (several sequences allowed; each x_t is a slice [...]), starting
/// from `init` (several carries allowed). Eagerly it loops and autograd records every step; while tracing it
/// becomes one `scan` node owning the body's graph (traced once, its shapes checked once), whose gradient is a
/// reverse scan over the body's gradient (backpropagation through time), recomputing each step's forward from
/// its saved carry. The body may read outer tensors (weights, masks): they become inputs of the node, and
/// gradients flow to them. Errors, naming scan: sequences of different lengths, no sequence and no length, a
/// body returning a carry of another shape or dtype (with the step), y_t of varying shapes.
ScanResult scan(const ScanBody& body, const std::vector<Tensor>& init, const std::vector<Tensor>& xs,
                const ScanOptions& options = {});

}  // namespace tessera
