#pragma once
// Strided copy with broadcasting and dtype conversion: the CPU primitive behind to(), contiguous(), clone(),
// copy_() and every kernel that needs its inputs in a given dtype or layout.
#include <span>
#include <vector>

#include "tessera/core/tensor.h"

namespace tessera::cpu {

/// Writes `src` (broadcast to dst's shape, converted to dst's dtype) into `dst`.
void copy_into(Tensor& dst, const Tensor& src);
/// A new contiguous tensor of `dtype` holding src's values (src itself if it already is one).
Tensor as_contiguous(const Tensor& src, DType dtype);
inline Tensor as_contiguous(const Tensor& src) { return as_contiguous(src, src.dtype()); }
/// as_contiguous of each tensor, in order (a kernel's operands).
std::vector<Tensor> as_contiguous(std::span<const Tensor> src);

}  // namespace tessera::cpu
