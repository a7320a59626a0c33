// CPU kernels of the reductions (ops/reduce.h), all built on reduce() / arg_reduce() (reduce_engine.h).
#include <cmath>
#include <limits>

#include "tessera/backend/cpu/copy.h"
#include "tessera/backend/cpu/kernels.h"
#include "tessera/backend/cpu/reduce_engine.h"
#include "tessera/core/dtype_dispatch.h"
#include "tessera/ops/reduce.h"
#include "tessera/ops/registry.h"

namespace tessera::cpu {
namespace {

using Outs = std::vector<Tensor>;
using In = std::span<const Tensor>;
using OutTypes = std::span<const TensorType>;

// The input in the dtype the op computes in (sum(dtype=...), logsumexp of integers).
Tensor in_dtype(const Tensor& x, DType dtype) { return x.dtype() == dtype ? x : as_contiguous(x, dtype); }

int64_t reduced_numel(const Tensor& x, IntList dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d < x.dim() ? x.shape()[d] : 1;
  return n;
}

enum class Kind { kSum, kMean, kProd };

template <Kind kKind>
Outs sum_kernel(In in, const Attrs& attrs, OutTypes out_types) {
  const auto& a = attrs_as<ReduceAttrs>(attrs);
  const Tensor x = a.dtype ? in_dtype(in[0], *a.dtype) : in[0];
  const std::vector<int64_t> dims = resolve_reduce_dims(a.dims, x.dim(), "sum");
  const int64_t n = reduced_numel(x, dims);
  Tensor out = new_output(out_types[0]);
  visit_dtype(x.dtype(), [&]<class T>() {
    using A = sum_acc_t<T>;
    with_out_type<T>(out.dtype(), [&]<class O>() {
      O* o = out.data_ptr<O>();
      if constexpr (kKind == Kind::kProd) {
        reduce<T>(x, o, dims, fold_op(A(1), Mul{}), [](A s, A) { return from_acc<O>(s); });
      } else if constexpr (kKind == Kind::kMean) {
        reduce<T>(x, o, dims, fold_op(A(0), Add{}), [n](A s, A) { return from_acc<O>(s / static_cast<A>(n)); });
      } else {
        reduce<T>(x, o, dims, fold_op(A(0), Add{}), [](A s, A) { return from_acc<O>(s); });
      }
    });
  });
  return {out};
}

template <bool kMax>
Outs amax_kernel(In in, const Attrs& attrs, OutTypes out_types) {
  const Tensor& x = in[0];
  const std::vector<int64_t> dims = resolve_reduce_dims(attrs_as<ReduceAttrs>(attrs).dims, x.dim(), "amax");
  Tensor out = new_output(out_types[0]);
  visit_dtype(x.dtype(), [&]<class T>() {
    using A = cmp_t<T>;
    reduce<T>(x, out.data_ptr<T>(), dims, extreme_op<T, kMax>(), [](A m, A) { return from_acc<T>(m); });
  });
  return {out};
}

// all (kAll), any, count_nonzero: folds of `x != 0`.
enum class Logic { kAll, kAny, kCount };

template <Logic kLogic>
Outs logic_kernel(In in, const Attrs& attrs, OutTypes out_types) {
  const Tensor& x = in[0];
  const std::vector<int64_t> dims = resolve_reduce_dims(attrs_as<ReduceAttrs>(attrs).dims, x.dim(), "all");
  Tensor out = new_output(out_types[0]);
  visit_dtype(x.dtype(), [&]<class T>() {
    auto nonzero = [](T v) { return to_acc<cmp_t<T>>(v) != cmp_t<T>(0); };
    if constexpr (kLogic == Logic::kCount) {
      auto op = make_reduce_op(
          int64_t{0}, [=](T v, int64_t) { return int64_t{nonzero(v)}; }, Add{});
      reduce<T>(x, out.data_ptr<int64_t>(), dims, op, [](int64_t c, int64_t) { return c; });
    } else {  // in uint8 with & and |, which vectorize (bool && and || do not)
      constexpr bool kAll = kLogic == Logic::kAll;
      auto op = make_reduce_op(
          uint8_t{kAll}, [=](T v, uint8_t) { return static_cast<uint8_t>(nonzero(v)); },
          [](uint8_t p, uint8_t q) { return static_cast<uint8_t>(kAll ? p & q : p | q); });
      reduce<T>(x, out.data_ptr<bool>(), dims, op, [](uint8_t r, uint8_t) { return r != 0; });
    }
  });
  return {out};
}

// Two-pass var/std: the mean, then the squared deviations from it.
template <bool kStd>
Outs var_kernel(In in, const Attrs& attrs, OutTypes out_types) {
  const auto& a = attrs_as<VarAttrs>(attrs);
  const Tensor& x = in[0];
  const std::vector<int64_t> dims = resolve_reduce_dims(a.dims, x.dim(), "var");
  const int64_t n = reduced_numel(x, dims);
  Tensor out = new_output(out_types[0]);
  visit_dtype(x.dtype(), [&]<class T>() {
    if constexpr (std::is_floating_point_v<T> || is_half_v<T>) {
      using A = sum_acc_t<T>;
      std::vector<A> mean(out.numel());
      reduce<T>(x, mean.data(), dims, fold_op(A(0), Add{}), [n](A s, A) { return s / static_cast<A>(n); });
      auto sq_dev = make_reduce_op<true>(
          A(0),
          [](T v, A m) {
            A d = to_acc<A>(v) - m;
            return d * d;
          },
          Add{});
      const A divisor = static_cast<A>(std::max<int64_t>(n - a.correction, 0));
      reduce<T>(
          x, out.data_ptr<T>(), dims, sq_dev,
          [divisor](A m2, A) { return from_acc<T>(kStd ? std::sqrt(m2 / divisor) : m2 / divisor); }, mean.data());
    }
  });
  return {out};
}

// log(sum(exp(x - m))) + m with m the max, or 0 where the max is infinite (so all -inf gives -inf, not NaN).
Outs logsumexp_kernel(In in, const Attrs& attrs, OutTypes out_types) {
  Tensor out = new_output(out_types[0]);
  const Tensor x = in_dtype(in[0], out.dtype());
  const std::vector<int64_t> dims = resolve_reduce_dims(attrs_as<ReduceAttrs>(attrs).dims, x.dim(), "logsumexp");
  visit_dtype(x.dtype(), [&]<class T>() {
    if constexpr (std::is_floating_point_v<T> || is_half_v<T>) {
      using A = sum_acc_t<T>;
      std::vector<A> shift(out.numel());
      reduce<T>(x, shift.data(), dims, extreme_op<T, true>(), [](A m, A) { return std::isinf(m) ? A(0) : m; });
      auto exp_op = make_reduce_op<true>(
          A(0), [](T v, A m) { return std::exp(to_acc<A>(v) - m); }, Add{});
      reduce<T>(
          x, out.data_ptr<T>(), dims, exp_op, [](A s, A m) { return from_acc<T>(std::log(s) + m); }, shift.data());
    }
  });
  return {out};
}

Outs norm_kernel(In in, const Attrs& attrs, OutTypes out_types) {
  const auto& a = attrs_as<NormAttrs>(attrs);
  const Tensor& x = in[0];
  const std::vector<int64_t> dims = resolve_reduce_dims(a.dims, x.dim(), "norm");
  const bool empty_reduction = reduced_numel(x, dims) == 0;
  Tensor out = new_output(out_types[0]);
  visit_dtype(x.dtype(), [&]<class T>() {
    if constexpr (std::is_floating_point_v<T> || is_half_v<T>) {
      using A = sum_acc_t<T>;
      T* o = out.data_ptr<T>();
      const A p = static_cast<A>(a.p), inf = std::numeric_limits<A>::infinity();
      auto abs_of = [](T v, A) { return std::abs(to_acc<A>(v)); };
      auto plain = [](A s, A) { return from_acc<T>(s); };
      if (a.p == 2) {
        auto op = make_reduce_op(
            A(0), [](T v, A) { return to_acc<A>(v) * to_acc<A>(v); }, Add{});
        reduce<T>(x, o, dims, op, [](A s, A) { return from_acc<T>(std::sqrt(s)); });
      } else if (a.p == 1) {
        reduce<T>(x, o, dims, make_reduce_op(A(0), abs_of, Add{}), plain);
      } else if (std::isinf(a.p)) {  // max |x| or min |x|; 0 for an empty reduction like PyTorch
        auto finish = [&](A m, A) { return from_acc<T>(empty_reduction ? A(0) : m); };
        if (a.p > 0)
          reduce<T>(x, o, dims, make_reduce_op(A(0), abs_of, MaxNan{}), finish);
        else
          reduce<T>(x, o, dims, make_reduce_op(inf, abs_of, MinNan{}), finish);
      } else if (a.p == 0) {
        reduce<T>(x, o, dims,
                  make_reduce_op(
                      A(0), [](T v, A) { return A(to_acc<A>(v) != A(0)); }, Add{}),
                  plain);
      } else {
        auto op = make_reduce_op(
            A(0), [p](T v, A) { return std::pow(std::abs(to_acc<A>(v)), p); }, Add{});
        reduce<T>(x, o, dims, op, [p](A s, A) { return from_acc<T>(std::pow(s, A(1) / p)); });
      }
    }
  });
  return {out};
}

// argmax/argmin (kValues = false) and max_dim/min_dim.
template <bool kMax, bool kValues>
Outs arg_kernel(In in, const Attrs& attrs, OutTypes out_types) {
  const auto& a = attrs_as<ArgReduceAttrs>(attrs);
  const Tensor& x = in[0];
  const std::vector<int64_t> dims =
      a.dim ? std::vector<int64_t>{wrap_dim(*a.dim, x.dim(), "argmax")} : resolve_reduce_dims({}, x.dim(), "argmax");
  Outs outs;
  for (const TensorType& t : out_types) outs.push_back(new_output(t));
  visit_dtype(x.dtype(), [&]<class T>() {
    arg_reduce<T, kMax>(x, dims, kValues ? outs[0].data_ptr<T>() : nullptr, outs.back().data_ptr<int64_t>());
  });
  return outs;
}

}  // namespace

void register_reduce_kernels(Registry& r) {
  r.set_kernel("sum", kCPU, sum_kernel<Kind::kSum>);
  r.set_kernel("mean", kCPU, sum_kernel<Kind::kMean>);
  r.set_kernel("prod", kCPU, sum_kernel<Kind::kProd>);
  r.set_kernel("amax", kCPU, amax_kernel<true>);
  r.set_kernel("amin", kCPU, amax_kernel<false>);
  r.set_kernel("var", kCPU, var_kernel<false>);
  r.set_kernel("std", kCPU, var_kernel<true>);
  r.set_kernel("logsumexp", kCPU, logsumexp_kernel);
  r.set_kernel("norm", kCPU, norm_kernel);
  r.set_kernel("all", kCPU, logic_kernel<Logic::kAll>);
  r.set_kernel("any", kCPU, logic_kernel<Logic::kAny>);
  r.set_kernel("count_nonzero", kCPU, logic_kernel<Logic::kCount>);
  r.set_kernel("max_dim", kCPU, arg_kernel<true, true>);
  r.set_kernel("min_dim", kCPU, arg_kernel<false, true>);
  r.set_kernel("argmax", kCPU, arg_kernel<true, false>);
  r.set_kernel("argmin", kCPU, arg_kernel<false, false>);
}

}  // namespace tessera::cpu
