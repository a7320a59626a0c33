#pragma once
// Scalar arithmetic shared by the elementwise functors (Note [Elementwise functors] in elementwise.h):
// integer arithmetic that wraps like PyTorch's (two's complement) without C++'s signed-overflow UB, and the
// functors that both unary ops and pow(x, number) use.
#include <cmath>
#include <type_traits>

namespace tessera::cpu {

/// Integral and not bool.
template <class T>
inline constexpr bool is_int_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;

template <class T>
T wrapping_add(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) {
    return a || b;
  } else if constexpr (is_int_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return a + b;
  }
}

template <class T>
T wrapping_sub(T a, T b) {
  if constexpr (is_int_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
  } else {
    return a - b;
  }
}

template <class T>
T wrapping_mul(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) {
    return a && b;
  } else if constexpr (is_int_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
  } else {
    return a * b;
  }
}

template <class T>
T wrapping_neg(T x) {
  return wrapping_sub(T(0), x);
}

template <class T>
struct Square {
  T operator()(T x) const { return wrapping_mul(x, x); }
};
template <class T>
struct Sqrt {
  T operator()(T x) const { return std::sqrt(x); }
};
template <class T>
struct Rsqrt {
  T operator()(T x) const { return T(1) / std::sqrt(x); }
};
template <class T>
struct Reciprocal {
  T operator()(T x) const { return T(1) / x; }
};

}  // namespace tessera::cpu
