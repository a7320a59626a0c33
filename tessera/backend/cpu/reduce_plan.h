#pragma once
// The iteration space of a reduction over arbitrary dims of an arbitrarily strided tensor.
//
// Note [Reduction plans]: a reduction maps each output element o (row-major over the kept dims, which is the
// layout of the freshly allocated contiguous output, with or without keepdim) to the input elements that share
// its kept indices. The plan splits the input's dims into kept and reduced lists, drops size-1 dims and merges
// neighbours that are contiguous with each other, so `sum(dim=-1)` of a contiguous tensor becomes one kept and
// one reduced dim, and a full reduction of a transposed tensor (reduced dims sorted by stride) becomes one
// contiguous run. Reduced elements are numbered row-major over the reduced list ("reduced linear index"); the
// kernels in reduce_engine.h split that range into fixed chunks and leaves, which is what makes results
// independent of the thread count. Arg-reductions keep the reduced dims in logical order so that the reduced
// linear index is the flattened index PyTorch returns.
#include <array>
#include <cstdint>
#include <span>

#include "tessera/core/tensor.h"

namespace tessera::cpu {

/// Most dims a plan keeps after merging (a tensor with more non-mergeable dims gets NotImplementedError).
inline constexpr int kMaxPlanDims = 25;

struct ReducePlan {
  Shape kept_sizes;      ///< Never empty (a single size-1 dim when nothing is kept).
  Strides kept_strides;  ///< Input strides (elements) of the kept dims.
  Shape red_sizes;       ///< Never empty (a single size-1 dim when nothing is reduced).
  Strides red_strides;
  int64_t n_out = 1;  ///< Output elements.
  int64_t n_red = 1;  ///< Input elements per output element.

  /// Input element offset (from the tensor's first element) of output o's first reduced element.
  int64_t out_offset(int64_t o) const;
  /// True when the innermost reduced dim is contiguous in the input.
  bool inner_reduced_contiguous() const { return red_strides.back() == 1 && red_sizes.back() > 1; }
  /// True when the innermost kept dim is contiguous in the input (and so in the output).
  bool inner_kept_contiguous() const { return kept_strides.back() == 1 && kept_sizes.back() > 1; }
};

/// Plans reducing `x` over `dims` (already wrapped, no repeats; empty = reduce nothing). With `reorder`, the
/// reduced dims are visited in order of decreasing stride (best for memory; fine for order-free results);
/// without it, in logical order (arg-reductions).
ReducePlan plan_reduce(const Tensor& x, std::span<const int64_t> dims, bool reorder);

/// Walks a list of dims row-major from a starting linear index, tracking the element offset (Note [Reduction
/// plans]). Runs along the innermost dim are handed out whole so the caller can loop over them.
class DimWalker {
 public:
  DimWalker(const Shape& sizes, const Strides& strides, int64_t start);
  int64_t offset() const { return off_; }
  /// Elements left in the current run along the innermost dim.
  int64_t inner_left() const { return sizes_[nd_ - 1] - idx_[nd_ - 1]; }
  /// Moves `k` (at most inner_left()) elements ahead, carrying into outer dims when the run ends.
  void advance(int64_t k) {
    idx_[nd_ - 1] += k;
    off_ += k * strides_[nd_ - 1];
    if (idx_[nd_ - 1] == sizes_[nd_ - 1] && nd_ > 1) carry();
  }

 private:
  void carry();  // the innermost run ended: wrap it and step the outer dims

  const int64_t* sizes_;
  const int64_t* strides_;
  int nd_;
  std::array<int64_t, kMaxPlanDims> idx_{};
  int64_t off_ = 0;
};

}  // namespace tessera::cpu
