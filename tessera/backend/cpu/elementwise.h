#pragma once
// The generic CPU kernel behind every elementwise op (unary, binary, compare): one template per call shape,
// parameterised by a functor, so an op's kernel is one line in its family's table.
//
// Note [Elementwise functors]: a functor is a class template `F<C>` over the compute type C (float for
// float16/bfloat16, the element type otherwise). Its `operator()` takes N values of type C and returns C
// (arithmetic; stored in the output dtype) or bool (predicates; the output is bool). Functors with parameters
// take them from the op's typed attributes in a constructor `explicit F(const Attrs&)`, converted to C once, so
// the inner loop is plain arithmetic that GCC vectorizes (cpu::map's dense path). Functors that divide integers
// declare `static constexpr const char* kZeroDivisorOp`: the kernel checks the divisor for zeros before the
// loop and throws ValueError, because exceptions cannot leave the threaded loop.
#include <algorithm>
#include <span>
#include <type_traits>
#include <vector>

#include "tessera/backend/cpu/copy.h"
#include "tessera/backend/cpu/loops.h"
#include "tessera/core/dtype_dispatch.h"
#include "tessera/ops/op.h"
#include "tessera/ops/promote.h"

namespace tessera::cpu {

/// The type arithmetic on element type T happens in: float for the 16-bit floats, T otherwise.
template <class T>
using compute_t = std::conditional_t<std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>, float, T>;

/// The element types a kernel is instantiated for (the op's shape rule guarantees the dtype is one of them).
enum class Types : uint8_t {
  kAll,       ///< every dtype, bool included
  kNumeric,   ///< every dtype but bool
  kFloating,  ///< float16, bfloat16, float32, float64
  kBool,      ///< bool only (logical ops, which compute in bool)
};

/// Which dtype the inputs are converted to before the functor sees them.
enum class ComputeIn : uint8_t {
  kOutput,    ///< the output dtype (arithmetic: the promoted type)
  kPromoted,  ///< the promoted input dtype (comparisons and predicates, whose output is bool)
  kBool,      ///< bool: nonzero is true (logical ops)
};

template <Types S, class T>
inline constexpr bool type_in_v = S == Types::kAll        ? true
                                  : S == Types::kNumeric  ? !std::is_same_v<T, bool>
                                  : S == Types::kFloating ? std::is_floating_point_v<compute_t<T>>
                                                          : std::is_same_v<T, bool>;

/// `t` with dtype `d`: t itself when it already has it, else a converted copy of t's own (unbroadcast) shape.
Tensor cast_to(const Tensor& t, DType d);
/// Throws ValueError naming `op` when the integer tensor `divisor` holds a zero (PyTorch's ZeroDivisionError).
void check_no_zero_divisor(const Tensor& divisor, const char* op);
/// A fresh tensor of the given type.
inline Tensor empty_of(const TensorType& t) { return empty(t.shape, TensorOptions(t.dtype).device(t.device)); }

namespace detail {

template <class F>
F make_functor(const Attrs& a) {
  if constexpr (std::is_constructible_v<F, const Attrs&>) {
    return F(a);
  } else {
    return F{};
  }
}

template <size_t N, class T>
using Arg = T;

template <template <class> class F, class T, size_t... I>
void map_typed(Tensor& out, const std::array<Tensor, sizeof...(I)>& ins, const Attrs& a, std::index_sequence<I...>) {
  using C = compute_t<T>;
  const F<C> f = make_functor<F<C>>(a);
  using R = std::invoke_result_t<const F<C>&, Arg<I, C>...>;
  using Out = std::conditional_t<std::is_same_v<R, bool>, bool, T>;
  if constexpr (requires { F<C>::kZeroDivisorOp; }) {
    if constexpr (std::is_integral_v<C>) check_no_zero_divisor(ins[1], F<C>::kZeroDivisorOp);
  }
  if constexpr (std::is_same_v<C, T>) {
    cpu::map<Out, Arg<I, T>...>(out, f, ins);
  } else {  // 16-bit floats: widen, compute in float, round once on the store
    cpu::map<Out, Arg<I, T>...>(
        out, [f](Arg<I, T>... x) { return f(static_cast<C>(x)...); }, ins);
  }
}

}  // namespace detail

/// out = F(in_0, ..., in_{N-1}) elementwise with broadcasting; `compute` is the dtype the inputs are converted
/// to (see ComputeIn). out is freshly allocated with the broadcast shape.
template <template <class> class F, Types S, size_t N>
void elementwise(Tensor& out, DType compute, std::span<const Tensor> in, const Attrs& a) {
  std::array<Tensor, N> ins;
  for (size_t k = 0; k < N; ++k) ins[k] = cast_to(in[k], compute);
  visit_dtype(compute, [&]<class T>() {
    if constexpr (type_in_v<S, T>) {
      detail::map_typed<F, T>(out, ins, a, std::make_index_sequence<N>{});
    } else {
      throw DTypeError(cat("elementwise kernel: no instance for dtype ", compute));
    }
  });
}

/// The KernelFn of an elementwise op with N inputs and one output (Note [Elementwise functors]).
template <template <class> class F, Types S, size_t N, ComputeIn CI = ComputeIn::kOutput>
std::vector<Tensor> elementwise_kernel(std::span<const Tensor> in, const Attrs& a, std::span<const TensorType> out) {
  Tensor y = empty_of(out[0]);
  DType compute = out[0].dtype;
  if constexpr (CI == ComputeIn::kPromoted) {
    std::array<TensorType, N> types;
    for (size_t k = 0; k < N; ++k) types[k] = type_of(in[k]);
    compute = result_type(types);  // the rule the shape rule used, 0-d operands included
  } else if constexpr (CI == ComputeIn::kBool) {
    compute = kBool;
  }
  elementwise<F, S, N>(y, compute, in, a);
  return {y};
}

}  // namespace tessera::cpu
