#pragma once
// Reductions: sum, mean, prod, amax/amin, max/min with indices, argmax/argmin, var/std, logsumexp, norm,
// all/any, count_nonzero. PyTorch's names, argument orders and dtype rules.
//
// Common rules: `dims` lists the dims to reduce (negative values count from the end; IndexError when out of
// range, ValueError when one repeats); an empty list reduces every dim. `keepdim` keeps reduced dims as size 1.
// A 0-d input accepts dims 0 and -1. Reducing a zero-size dim gives the op's identity (sum 0, prod 1, mean
// NaN, all true, ...) where it has one; ops without one (amax, argmax, max, ...) throw IndexError naming the op.
// Float16/bfloat16 inputs accumulate in float32, float32 sums are pairwise (accurate like PyTorch's cascade
// sum), and results are the same for any thread count.
#include <optional>
#include <tuple>
#include <vector>

#include "tessera/ops/op.h"

namespace tessera {

/// Attributes of sum, mean, prod, amax, amin, logsumexp, all, any, count_nonzero.
struct ReduceAttrs final : AttrsOf<ReduceAttrs> {
  std::vector<int64_t> dims;  ///< Empty = all dims.
  bool keepdim = false;
  std::optional<DType> dtype;  ///< sum/mean/prod: the input is converted to this dtype first.
  std::string repr() const override;
};
/// Attributes of var and std: the divisor is max(0, N - correction) (correction 1 = unbiased).
struct VarAttrs final : AttrsOf<VarAttrs> {
  std::vector<int64_t> dims;
  int64_t correction = 1;
  bool keepdim = false;
  std::string repr() const override;
};
/// Attributes of norm: the vector p-norm (p may be +-inf or 0) over `dims`.
struct NormAttrs final : AttrsOf<NormAttrs> {
  double p = 2;
  std::vector<int64_t> dims;
  bool keepdim = false;
  std::string repr() const override;
};
/// Attributes of argmax/argmin (no dim = over the flattened tensor) and max_dim/min_dim (dim required).
struct ArgReduceAttrs final : AttrsOf<ArgReduceAttrs> {
  std::optional<int64_t> dim;
  bool keepdim = false;
  std::string repr() const override;
};

/// The dims a reduction over `dims` of an `ndim`-d tensor covers: wrapped, in the given order, and every dim
/// when `dims` is empty. IndexError / ValueError naming `op` for a bad or repeated dim.
std::vector<int64_t> resolve_reduce_dims(IntList dims, int64_t ndim, const char* op);
/// The shape after reducing `dims` (as resolve_reduce_dims returns them) of `shape`.
Shape reduced_shape(IntList shape, IntList dims, bool keepdim);

/// Sum over `dims` (torch.sum). Output dtype: `dtype` if given, else int64 for bool/integer inputs, else the
/// input's. Zero-size reductions give 0.
Tensor sum(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false, std::optional<DType> dtype = {});
/// Arithmetic mean (torch.mean): floating inputs (or a floating `dtype`) only, DTypeError otherwise; NaN for a
/// zero-size reduction.
Tensor mean(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false, std::optional<DType> dtype = {});
/// Product (torch.prod, here over any number of dims); dtypes as for sum; 1 for a zero-size reduction.
Tensor prod(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false, std::optional<DType> dtype = {});
/// Largest / smallest value (torch.amax / amin): same dtype as x, NaN propagates. IndexError for a zero-size
/// reduced dim.
Tensor amax(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false);
/// torch.max(x, dim) / torch.min(x, dim): (values with x's dtype, int64 indices along `dim`); the first
/// occurrence wins ties and a NaN counts as the extreme. IndexError for a zero-size `dim`.
std::tuple<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim = false);
std::tuple<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim = false);
/// torch.max(x) / torch.min(x): the extreme over all elements as a 0-d tensor (NaN propagates). IndexError
/// for an empty tensor.
Tensor max(const Tensor& x);
Tensor min(const Tensor& x);
/// Index of the largest / smallest value along `dim` (int64; first occurrence on ties, NaN counts as largest
/// and smallest). Without `dim`, the index into the flattened tensor (keepdim then keeps every dim as 1).
/// IndexError for an empty reduction.
Tensor argmax(const Tensor& x, std::optional<int64_t> dim = {}, bool keepdim = false);
Tensor argmin(const Tensor& x, std::optional<int64_t> dim = {}, bool keepdim = false);
/// Variance over `dims` with Bessel's correction when `unbiased` (torch.var); floating inputs only
/// (DTypeError). Two-pass (mean, then squared deviations) for accuracy. NaN when N - correction <= 0 and
/// the deviations are 0 (e.g. a single element with unbiased).
Tensor var(const Tensor& x, std::vector<int64_t> dims = {}, bool unbiased = true, bool keepdim = false);
/// Standard deviation: sqrt(var) (torch.std).
Tensor std(const Tensor& x, std::vector<int64_t> dims = {}, bool unbiased = true, bool keepdim = false);
/// log(sum(exp(x))) computed stably by subtracting the max (torch.logsumexp): a slice of all -inf gives -inf,
/// +inf gives +inf. Integer inputs give float32; -inf for a zero-size reduction.
Tensor logsumexp(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false);
/// Vector p-norm over `dims` (torch.norm / torch.linalg.vector_norm): p = 2 (default), 1, inf (max |x|), -inf
/// (min |x|), 0 (count of nonzeros) or any other p (sum |x|^p)^(1/p). Floating inputs only (DTypeError).
/// 0 for a zero-size reduction.
Tensor norm(const Tensor& x, double p = 2, std::vector<int64_t> dims = {}, bool keepdim = false);
/// Whether every / any element is nonzero (torch.all / torch.any), over `dims`; always a bool tensor (PyTorch
/// returns uint8 for uint8 inputs). true / false for a zero-size reduction.
Tensor all(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false);
Tensor any(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false);
/// Number of nonzero elements over `dims` (torch.count_nonzero), int64.
Tensor count_nonzero(const Tensor& x, std::vector<int64_t> dims = {});

/// Reduces a gradient of a broadcast result back to `shape` by summing the broadcast dimensions
/// (Note [Broadcast gradients]: done once, centrally, by autograd's engine and graph mode's symbolic gradients, not in
/// each op's rule).
Tensor sum_to(const Tensor& grad, const Shape& shape);

}  // namespace tessera
