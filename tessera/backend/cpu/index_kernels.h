#pragma once
// Helpers shared by the CPU kernels of the index family (index_kernels.cpp, index_mask_kernels.cpp).
#include <cstdint>

#include "tessera/core/tensor.h"

namespace tessera {
class Registry;
namespace cpu {

/// Registers masked_fill, masked_select, nonzero, tril, triu and one_hot (index_mask_kernels.cpp).
void register_index_mask_kernels(Registry& r);

/// `t` viewed as 1-d of size 1 when it is 0-d (the index ops treat a 0-d tensor so), else `t` itself.
Tensor as_at_least_1d(const Tensor& t);

/// Index values as a contiguous int64 tensor (int32 is widened).
Tensor index_as_int64(const Tensor& index);

/// Throws IndexError naming `op` unless every value of `index` (contiguous int64) is in [0, size).
void check_indices(const Tensor& index, int64_t size, int64_t dim, const char* op);

}  // namespace cpu
}  // namespace tessera
