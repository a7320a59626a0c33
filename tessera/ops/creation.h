#pragma once
// Creating tensors: filled (zeros, ones, full), ranges (arange, linspace), eye, *_like, and from C++ data
// (from_vector, nested initializer lists). PyTorch's names and argument orders; options default to float32 on
// the CPU like libtorch's C++ API.
#include <initializer_list>
#include <vector>

#include "tessera/ops/op.h"

namespace tessera {

/// Attributes of `full`: the output shape and fill value (dtype/device come with the output type).
struct FullAttrs final : AttrsOf<FullAttrs> {
  Shape shape;
  Scalar value;
  TensorOptions options;
  std::string repr() const override;
};
/// Attributes of `arange` and `linspace`: n values start + i * step; linspace fills its second half from `end`
/// backwards (as PyTorch does) so both ends are exact.
struct RangeAttrs final : AttrsOf<RangeAttrs> {
  double start = 0, step = 1, end = 0;
  int64_t n = 0;
  bool linspace = false;
  TensorOptions options;
  std::string repr() const override;
};
/// Attributes of `eye`.
struct EyeAttrs final : AttrsOf<EyeAttrs> {
  int64_t n = 0, m = 0;
  TensorOptions options;
  std::string repr() const override;
};

/// `shape` filled with `value`. ValueError on a negative size.
Tensor full(Shape shape, Scalar value, TensorOptions options = {});
Tensor zeros(Shape shape, TensorOptions options = {});
Tensor ones(Shape shape, TensorOptions options = {});
Tensor empty_like(const Tensor& t);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, Scalar value);
Tensor empty_like(const Tensor& t, TensorOptions options);
Tensor zeros_like(const Tensor& t, TensorOptions options);
Tensor ones_like(const Tensor& t, TensorOptions options);

/// [0, 1, ..., end-1] (torch.arange(end)): int64 when end is an integer and no dtype is given, else the given dtype.
/// 1-d, length ceil((end - start) / step). ValueError for step 0 or a step pointing away from end.
Tensor arange(Scalar end);
Tensor arange(Scalar end, TensorOptions options);
Tensor arange(Scalar start, Scalar end, Scalar step = 1);
Tensor arange(Scalar start, Scalar end, Scalar step, TensorOptions options);
/// `steps` evenly spaced values from start to end inclusive (torch.linspace); ValueError for steps < 0.
Tensor linspace(double start, double end, int64_t steps, TensorOptions options = {});
/// [n, m] identity (m defaults to n) (torch.eye).
Tensor eye(int64_t n, std::optional<int64_t> m = {}, TensorOptions options = {});

/// A 0-d tensor holding `value` (dtype from the value's kind unless given: bool, int64 or float32).
Tensor scalar_tensor(Scalar value);

/// Copies `count` elements of type `src_dtype` at `data` into a new contiguous tensor of `shape`, converted to
/// `dtype` (default: src_dtype). ShapeError when numel(shape) != count.
Tensor from_buffer(const void* data, int64_t count, DType src_dtype, Shape shape, std::optional<DType> dtype = {});

/// Copies `values` into a new tensor of `shape` (default: 1-d). ShapeError when sizes do not match. The dtype
/// follows the C++ type exactly, as in libtorch (float -> float32, double -> float64, int -> int32,
/// int64_t -> int64, uint8_t -> uint8, bool -> bool) unless `dtype` names another, to which values are converted.
template <class T>
Tensor from_vector(const std::vector<T>& values, std::optional<Shape> shape = {}, std::optional<DType> dtype = {});

/// Nested initializer lists, like torch::tensor: `tensor({{1.0f, 2.0f}, {3.0f, 4.0f}})` is a [2, 2] float32.
/// Ragged lists throw ShapeError. The dtype follows the element type as in from_vector unless given.
template <class T>
Tensor tensor(std::initializer_list<T> v, std::optional<DType> dtype = {});
template <class T>
Tensor tensor(std::initializer_list<std::initializer_list<T>> v, std::optional<DType> dtype = {});
template <class T>
Tensor tensor(std::initializer_list<std::initializer_list<std::initializer_list<T>>> v,
              std::optional<DType> dtype = {});

}  // namespace tessera

#include "tessera/ops/creation_impl.h"
