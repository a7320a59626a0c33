#include "tessera/backend/cpu/reduce_plan.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace tessera::cpu {
namespace {

using Dim = std::pair<int64_t, int64_t>;  // size, stride

// Drops size-1 dims and merges a dim into its outer neighbour when the two are contiguous with each other.
void merge_into(Shape& sizes, Strides& strides, const std::vector<Dim>& dims) {
  for (auto [size, stride] : dims) {
    if (size == 1) continue;
    if (!sizes.empty() && strides.back() == stride * size) {
      sizes.back() *= size;
      strides.back() = stride;
    } else {
      sizes.push_back(size);
      strides.push_back(stride);
    }
  }
  if (sizes.empty()) {
    sizes.push_back(1);
    strides.push_back(0);
  }
  check<NotImplementedError>(sizes.size() <= static_cast<size_t>(kMaxPlanDims), "reduce: more than ", kMaxPlanDims,
                             " non-contiguous dims");
}

}  // namespace

ReducePlan plan_reduce(const Tensor& x, std::span<const int64_t> dims, bool reorder) {
  std::vector<bool> reduced(x.dim(), false);
  for (int64_t d : dims) {
    if (d < x.dim()) reduced[d] = true;  // a 0-d tensor accepts dim 0
  }
  std::vector<Dim> kept, red;
  ReducePlan p;
  for (int64_t d = 0; d < x.dim(); ++d) {
    Dim dim{x.shape()[d], x.strides()[d]};
    if (reduced[d]) {
      red.push_back(dim);
      p.n_red *= dim.first;
    } else {
      kept.push_back(dim);
      p.n_out *= dim.first;
    }
  }
  if (reorder) {
    std::stable_sort(red.begin(), red.end(), [](const Dim& a, const Dim& b) { return a.second > b.second; });
  }
  if (p.n_out == 0 || p.n_red == 0) {  // nothing to walk: keep the plan trivial
    kept.clear();
    red.clear();
  }
  merge_into(p.kept_sizes, p.kept_strides, kept);
  merge_into(p.red_sizes, p.red_strides, red);
  return p;
}

int64_t ReducePlan::out_offset(int64_t o) const {
  int64_t off = 0;
  for (size_t d = kept_sizes.size(); d-- > 0;) {
    off += (o % kept_sizes[d]) * kept_strides[d];
    o /= kept_sizes[d];
  }
  return off;
}

DimWalker::DimWalker(const Shape& sizes, const Strides& strides, int64_t start)
    : sizes_(sizes.data()), strides_(strides.data()), nd_(static_cast<int>(sizes.size())) {
  for (int d = nd_ - 1; d >= 0 && start != 0; --d) {
    idx_[d] = start % sizes_[d];
    start /= sizes_[d];
    off_ += idx_[d] * strides_[d];
  }
}

void DimWalker::carry() {
  for (int d = nd_ - 1; d > 0 && idx_[d] == sizes_[d]; --d) {
    idx_[d] = 0;
    ++idx_[d - 1];
    off_ += strides_[d - 1] - sizes_[d] * strides_[d];
  }
}

}  // namespace tessera::cpu
