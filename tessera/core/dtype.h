#pragma once
// Element types and PyTorch's type-promotion rules.
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string_view>

#include "tessera/core/half.h"

namespace tessera {

/// The element types a tensor can hold (PyTorch's names: float32, int64, bool, ...).
enum class DType : uint8_t { Bool, UInt8, Int32, Int64, Float16, BFloat16, Float32, Float64 };
inline constexpr int kNumDTypes = 8;

inline constexpr DType kBool = DType::Bool;
inline constexpr DType kUInt8 = DType::UInt8;
inline constexpr DType kInt32 = DType::Int32;
inline constexpr DType kInt64 = DType::Int64;
inline constexpr DType kFloat16 = DType::Float16;
inline constexpr DType kBFloat16 = DType::BFloat16;
inline constexpr DType kFloat32 = DType::Float32;
inline constexpr DType kFloat64 = DType::Float64;

/// Bytes per element.
size_t itemsize(DType dtype);
/// "float32", "int64", ... (PyTorch's names without the `torch.` prefix).
std::string_view dtype_name(DType dtype);
std::ostream& operator<<(std::ostream& os, DType dtype);

inline bool is_floating_point(DType d) {
  return d == DType::Float16 || d == DType::BFloat16 || d == DType::Float32 || d == DType::Float64;
}
/// Integral types; bool counts only when `include_bool`.
inline bool is_integral(DType d, bool include_bool = false) {
  return d == DType::UInt8 || d == DType::Int32 || d == DType::Int64 || (include_bool && d == DType::Bool);
}

/// The dtype two tensor operands promote to (torch.promote_types): bool < uint8 < int32 < int64 <
/// float16/bfloat16 < float32 < float64, where float16 with bfloat16 gives float32.
DType promote_types(DType a, DType b);

/// The default float dtype (torch.get_default_dtype): float32.
inline constexpr DType kDefaultFloat = DType::Float32;

/// Maps a C++ element type to its DType.
template <class T>
struct dtype_of;
template <>
struct dtype_of<bool> {
  static constexpr DType value = DType::Bool;
};
template <>
struct dtype_of<uint8_t> {
  static constexpr DType value = DType::UInt8;
};
template <>
struct dtype_of<int32_t> {
  static constexpr DType value = DType::Int32;
};
template <>
struct dtype_of<int64_t> {
  static constexpr DType value = DType::Int64;
};
template <>
struct dtype_of<Half> {
  static constexpr DType value = DType::Float16;
};
template <>
struct dtype_of<BFloat16> {
  static constexpr DType value = DType::BFloat16;
};
template <>
struct dtype_of<float> {
  static constexpr DType value = DType::Float32;
};
template <>
struct dtype_of<double> {
  static constexpr DType value = DType::Float64;
};
template <class T>
inline constexpr DType dtype_of_v = dtype_of<T>::value;

}  // namespace tessera
