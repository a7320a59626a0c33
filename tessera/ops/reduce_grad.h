#pragma once
// Gradient rules and gradient-check samples of the reduction and scan/sort families (reduce_grad.cpp,
// scan_sort_grad.cpp), registered by register_reduce_ops / register_scan_sort_ops. The rules follow PyTorch 1.13's
// derivatives.yaml and use only public Tessera ops, so they are differentiable again (second order).
#include <span>
#include <vector>

#include "tessera/ops/op.h"

namespace tessera::reduce_grad {

using Grads = std::vector<Tensor>;

// Reductions (reduce_grad.cpp).
Grads sum_vjp(const OpCall& c, std::span<const Tensor> g);        ///< g expanded back to x's shape.
Grads mean_vjp(const OpCall& c, std::span<const Tensor> g);       ///< expanded g / N.
Grads prod_vjp(const OpCall& c, std::span<const Tensor> g);       ///< g * (product of the other elements).
Grads extreme_vjp(const OpCall& c, std::span<const Tensor> g);    ///< amax/amin: g split evenly among ties.
Grads var_vjp(const OpCall& c, std::span<const Tensor> g);        ///< g * 2 (x - mean) / (N - correction).
Grads std_vjp(const OpCall& c, std::span<const Tensor> g);        ///< var's rule with g / (2 std), 0 where std = 0.
Grads logsumexp_vjp(const OpCall& c, std::span<const Tensor> g);  ///< g * exp(x - out).
Grads norm_vjp(const OpCall& c, std::span<const Tensor> g);       ///< See norm_vjp in reduce_grad.cpp.
Grads max_dim_vjp(const OpCall& c, std::span<const Tensor> g);    ///< max_dim/min_dim: g to the chosen index.

std::vector<OpSample> reduce_samples();   ///< sum, mean, prod, amax, amin, logsumexp.
std::vector<OpSample> var_samples();      ///< var, std.
std::vector<OpSample> norm_samples();     ///< norm with p = 2, 1, 3, inf, -inf, 0.
std::vector<OpSample> max_dim_samples();  ///< max_dim, min_dim.

// Scans and sorts (scan_sort_grad.cpp).
Grads cumsum_vjp(const OpCall& c, std::span<const Tensor> g);    ///< flip(cumsum(flip(g))).
Grads cumprod_vjp(const OpCall& c, std::span<const Tensor> g);   ///< reverse cumsum of g * out, / x.
Grads sort_vjp(const OpCall& c, std::span<const Tensor> g);      ///< g scattered to the sorted indices.
Grads topk_vjp(const OpCall& c, std::span<const Tensor> g);      ///< g scattered to the top-k indices.
Grads kthvalue_vjp(const OpCall& c, std::span<const Tensor> g);  ///< g to the k-th value's index.

std::vector<OpSample> cum_samples();
std::vector<OpSample> sort_samples();
std::vector<OpSample> topk_samples();
std::vector<OpSample> kthvalue_samples();

/// Gradient of an op that picks elements of x along `dim` (max_dim, kthvalue, sort, topk): zeros of x's shape
/// with g written at the output's indices (call.outputs[1]); `keepdim` = false when `dim` was removed. An
/// undefined g (only the indices were used) gives no gradient.
Grads select_along_vjp(const OpCall& c, const Tensor& g, int64_t dim, bool keepdim);

/// The float64 [3, 4] matrix the samples use: distinct values, distinct magnitudes, none zero (so max, sort, the
/// inf-norm and prod are differentiable there).
Tensor sample_matrix();

}  // namespace tessera::reduce_grad
