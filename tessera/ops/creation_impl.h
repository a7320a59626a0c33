#pragma once
// Template bodies for creation.h: flatten C++ data, then one non-template copy (from_buffer).
#include <type_traits>

namespace tessera {
namespace detail {

/// `t`, marked requires_grad when `options` ask for it (torch.zeros(..., requires_grad=True)); a non-floating
/// dtype then raises requires_grad_'s error. Every creation function that takes TensorOptions returns through this.
Tensor with_options_grad(Tensor t, const TensorOptions& options);

/// The dtype a C++ element type maps to (long long counts as int64).
template <class T>
constexpr DType cpp_dtype() {
  if constexpr (std::is_same_v<T, long long> || std::is_same_v<T, long>)
    return DType::Int64;
  else
    return dtype_of_v<T>;
}

template <class T>
Tensor from_flat(const std::vector<T>& flat, Shape shape, std::optional<DType> dtype) {
  if constexpr (std::is_same_v<T, bool>) {  // std::vector<bool> is packed: widen to one byte per element
    std::vector<uint8_t> bytes(flat.begin(), flat.end());
    return from_buffer(bytes.data(), static_cast<int64_t>(bytes.size()), DType::Bool, std::move(shape), dtype);
  } else {
    return from_buffer(flat.data(), static_cast<int64_t>(flat.size()), cpp_dtype<T>(), std::move(shape), dtype);
  }
}

[[noreturn]] void throw_ragged(size_t expected, size_t found);

}  // namespace detail

template <class T>
Tensor from_vector(const std::vector<T>& values, std::optional<Shape> shape, std::optional<DType> dtype) {
  Shape s = shape ? *shape : Shape{static_cast<int64_t>(values.size())};
  return detail::from_flat(values, std::move(s), dtype);
}

template <class T>
Tensor tensor(std::initializer_list<T> v, std::optional<DType> dtype) {
  return detail::from_flat(std::vector<T>(v), Shape{static_cast<int64_t>(v.size())}, dtype);
}

template <class T>
Tensor tensor(std::initializer_list<std::initializer_list<T>> v, std::optional<DType> dtype) {
  std::vector<T> flat;
  size_t cols = v.size() ? v.begin()->size() : 0;
  for (const auto& row : v) {
    if (row.size() != cols) detail::throw_ragged(cols, row.size());
    flat.insert(flat.end(), row.begin(), row.end());
  }
  return detail::from_flat(flat, Shape{static_cast<int64_t>(v.size()), static_cast<int64_t>(cols)}, dtype);
}

template <class T>
Tensor tensor(std::initializer_list<std::initializer_list<std::initializer_list<T>>> v, std::optional<DType> dtype) {
  std::vector<T> flat;
  size_t rows = v.size() ? v.begin()->size() : 0;
  size_t cols = rows ? v.begin()->begin()->size() : 0;
  for (const auto& plane : v) {
    if (plane.size() != rows) detail::throw_ragged(rows, plane.size());
    for (const auto& row : plane) {
      if (row.size() != cols) detail::throw_ragged(cols, row.size());
      flat.insert(flat.end(), row.begin(), row.end());
    }
  }
  Shape s{static_cast<int64_t>(v.size()), static_cast<int64_t>(rows), static_cast<int64_t>(cols)};
  return detail::from_flat(flat, std::move(s), dtype);
}

}  // namespace tessera
