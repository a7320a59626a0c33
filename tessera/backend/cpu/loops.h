#pragma once
// Strided iteration shared by the CPU kernels (elementwise maps, copies, casts).
//
// Note [Strided loops]: operands are described by a data pointer and byte strides over one common shape
// (broadcast inputs have stride 0). Dimensions that are contiguous with their neighbour in every operand are
// merged, so most calls become one flat loop. The inner callback gets pointers, byte strides and a count for a
// run along the innermost dimension, and takes a fast path when every operand is dense there, which GCC
// vectorizes. Work is split across the thread pool by element ranges above kGrain elements.
#include <array>
#include <cstdint>
#include <cstring>
#include <utility>

#include "tessera/core/parallel.h"
#include "tessera/core/tensor.h"

namespace tessera::cpu {

/// Elements below which a kernel runs on one thread.
inline constexpr int64_t kGrain = 32768;

/// One operand of a strided loop: base pointer and byte strides over the loop shape.
struct Operand {
  char* data;
  Strides byte_strides;
};

/// An operand for tensor `t` iterated over `shape` (t must broadcast to it): strides of broadcast dims are 0.
Operand operand(const Tensor& t, const Shape& shape);

/// The merged loop: shape and per-operand byte strides after coalescing (see Note [Strided loops]).
template <size_t N>
struct LoopPlan {
  Shape shape;
  std::array<Strides, N> strides;
};
template <size_t N>
LoopPlan<N> plan_loop(const Shape& shape, const std::array<Operand, N>& ops);

/// Calls `inner(std::array<char*, N> ptrs, std::array<int64_t, N> strides, int64_t n)` for runs along the
/// innermost merged dimension, covering every element of `shape` once; parallel above `grain` elements.
template <size_t N, class Inner>
void for_each_run(const Shape& shape, const std::array<Operand, N>& ops, const Inner& inner, int64_t grain = kGrain);

/// out[i] = f(in_0[i], ..., in_k[i]) over out's shape. Inputs must already have the element types Ins and
/// broadcast to out's shape; out must be freshly allocated (or at least not overlap the inputs).
template <class Out, class... Ins, class F>
void map(Tensor& out, const F& f, const std::array<Tensor, sizeof...(Ins)>& ins, int64_t grain = kGrain);

}  // namespace tessera::cpu

#include "tessera/backend/cpu/loops_impl.h"
