#pragma once
// Cumulative ops and sorting along one dim: cumsum, cumprod, sort, argsort, topk, kthvalue. PyTorch's names,
// argument orders and dtype rules; `dim` may be negative (IndexError when out of range; a 0-d tensor accepts
// 0 and -1 and is treated as one element). Indices are int64. NaN orders above every number (last when
// ascending, first when descending), like PyTorch.
#include <optional>
#include <tuple>

#include "tessera/ops/op.h"

namespace tessera {

/// Attributes of cumsum and cumprod.
struct CumAttrs final : AttrsOf<CumAttrs> {
  int64_t dim = 0;
  std::optional<DType> dtype;  ///< The input is converted to this dtype first.
  std::string repr() const override;
};
/// Attributes of sort and argsort.
struct SortAttrs final : AttrsOf<SortAttrs> {
  int64_t dim = -1;
  bool descending = false;
  std::string repr() const override;
};
/// Attributes of topk.
struct TopkAttrs final : AttrsOf<TopkAttrs> {
  int64_t k = 1;
  int64_t dim = -1;
  bool largest = true;
  bool sorted = true;
  std::string repr() const override;
};
/// Attributes of kthvalue.
struct KthvalueAttrs final : AttrsOf<KthvalueAttrs> {
  int64_t k = 1;
  int64_t dim = -1;
  bool keepdim = false;
  std::string repr() const override;
};

/// Running sum along `dim` (torch.cumsum): same shape; dtype `dtype` if given, else int64 for bool/integer
/// inputs, else the input's. Accumulates floats in double and integers in int64.
Tensor cumsum(const Tensor& x, int64_t dim, std::optional<DType> dtype = {});
/// Running product along `dim` (torch.cumprod); dtypes as for cumsum.
Tensor cumprod(const Tensor& x, int64_t dim, std::optional<DType> dtype = {});
/// Sorts along `dim` (torch.sort(stable=True)): (values with x's dtype, int64 indices into `dim`), equal
/// elements keeping their order, NaN last (first when `descending`).
std::tuple<Tensor, Tensor> sort(const Tensor& x, int64_t dim = -1, bool descending = false);
/// The indices of sort(x, dim, descending) (torch.argsort(stable=True)); not differentiable.
Tensor argsort(const Tensor& x, int64_t dim = -1, bool descending = false);
/// The k largest (or smallest) elements along `dim` and their indices (torch.topk): `dim` gets size k;
/// ordered largest first (smallest first when !largest), equal elements by index, NaN counting as largest.
/// The result is sorted whether or not `sorted` is set. ValueError unless 0 <= k <= size of `dim`.
std::tuple<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim = -1, bool largest = true, bool sorted = true);
/// The k-th smallest element (1-based) along `dim` and its index (torch.kthvalue); `dim` is removed unless
/// `keepdim`. The index is that of position k in the stable ascending sort. ValueError unless
/// 1 <= k <= size of `dim`.
std::tuple<Tensor, Tensor> kthvalue(const Tensor& x, int64_t k, int64_t dim = -1, bool keepdim = false);

}  // namespace tessera
