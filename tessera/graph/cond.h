#pragma once
// Conditionals and bounded / unbounded loops, in eager and graph mode (the companions of scan, graph/scan.h).
#include <functional>
#include <vector>

#include "tessera/core/tensor.h"

namespace tessera {

using BranchFn = std::function<std::vector<Tensor>(const std::vector<Tensor>& operands)>;

/// `then_fn(operands)` if `pred` (a one-element bool tensor) is true, else `else_fn(operands)` (jax.lax.cond).
/// Eagerly it reads pred and calls one branch (autograd records it); while tracing both branches are traced into
/// one `cond` node and the choice is made when the graph runs; its gradient is a cond of the branches'
/// gradients. Errors: DTypeError for a predicate that is not one bool; ShapeError naming cond when the branches
/// return different shapes or dtypes (traced: always checked; eager: only the branch taken runs).
std::vector<Tensor> cond(const Tensor& pred, const BranchFn& then_fn, const BranchFn& else_fn,
                         const std::vector<Tensor>& operands);

/// Runs `body_fn` on the carries while `cond_fn(carries)` returns a true one-element bool (jax.lax.while_loop).
/// Traced: one `while_loop` node. Gradients: eagerly the tape records every step; in graph mode a gradient
/// through it is a NotImplementedError (the step count depends on the data): use fori_loop or scan.
std::vector<Tensor> while_loop(const BranchFn& cond_fn, const BranchFn& body_fn, const std::vector<Tensor>& init);

/// `for i in [lower, upper): carry = body(i, carry)` with i a 0-d int64 tensor (jax.lax.fori_loop). A scan, so it
/// is differentiable in both modes (backpropagation through the steps).
std::vector<Tensor> fori_loop(
    int64_t lower, int64_t upper,
    const std::function<std::vector<Tensor>(const Tensor& i, const std::vector<Tensor>&)>& body,
    const std::vector<Tensor>& init);

}  // namespace tessera
